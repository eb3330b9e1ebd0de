//! `kubeward webhook serve`: the authentication chain from the same flags as `kubeward serve`
//! (static tokens, ServiceAccount keys, `--oidc-*` or `--authentication-config`; no client CA:
//! a TokenReview carries only a token), the RBAC policy from manifests or a live cluster.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use kubeward_authn::{AuthenticatorConfig, ServiceAccountConfig};
use kubeward_server::{ReviewServer, ReviewServerConfig, SharedPolicy, Unmatched};

use super::policy::PolicyArgs;
use crate::cmd::limits::ConnectionArgs;
use crate::cmd::serve::OidcArgs;

/// The webhook's flags.
#[derive(Debug, Args)]
pub struct WebhookServeArgs {
    /// The IP address to listen on.
    #[arg(long, default_value = "0.0.0.0")]
    bind_address: IpAddr,
    /// The port to serve HTTPS on (0: any free port).
    #[arg(long, default_value_t = 8443)]
    secure_port: u16,
    /// The serving certificate (PEM, leaf first); the webhook kubeconfig's
    /// certificate-authority must trust it.
    #[arg(long)]
    tls_cert_file: PathBuf,
    /// The serving certificate's key (PEM).
    #[arg(long)]
    tls_private_key_file: PathBuf,
    /// Answer only callers whose client certificate chains to this CA bundle (the
    /// client-certificate of the webhook kubeconfig kube-apiserver uses); others get 401.
    #[arg(long)]
    caller_ca_file: Option<PathBuf>,
    /// Static tokens, in kube-apiserver's CSV format: token,user,uid,"group1,group2".
    #[arg(long)]
    token_auth_file: Option<PathBuf>,
    /// Issuer of ServiceAccount tokens (repeatable).
    #[arg(long = "service-account-issuer")]
    service_account_issuers: Vec<String>,
    /// Public (or private) keys that verify ServiceAccount tokens (repeatable).
    #[arg(long = "service-account-key-file")]
    service_account_key_files: Vec<PathBuf>,
    /// Audiences tokens must be valid for (defaults to the issuers). Without any, a token is
    /// accepted for whatever audiences the TokenReview asks about.
    #[arg(long = "api-audiences", value_delimiter = ',')]
    api_audiences: Vec<String>,
    /// The JWT authenticators: `--oidc-*` or `--authentication-config`.
    #[command(flatten)]
    oidc: OidcArgs,
    /// Where the RBAC policy comes from.
    #[command(flatten)]
    policy: PolicyArgs,
    /// Answer `denied: true` when RBAC allows nothing, so that kube-apiserver asks no later
    /// authorizer; by default the answer is no opinion (`allowed: false`) and it goes on.
    #[arg(long)]
    deny_unmatched: bool,
    /// Connection limits.
    #[command(flatten)]
    connections: ConnectionArgs,
}

fn read(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{what} {}", path.display()))
}

impl WebhookServeArgs {
    fn authentication(&self) -> anyhow::Result<AuthenticatorConfig> {
        let token_auth_csv = self
            .token_auth_file
            .as_deref()
            .map(|p| read(p, "--token-auth-file"))
            .transpose()?;
        let verification_keys_pem = self
            .service_account_key_files
            .iter()
            .map(|p| read(p, "--service-account-key-file"))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let service_accounts = (!self.service_account_issuers.is_empty()
            && !verification_keys_pem.is_empty())
        .then(|| ServiceAccountConfig {
            issuers: self.service_account_issuers.clone(),
            verification_keys_pem,
            audiences: self.api_audiences.clone(),
        });
        Ok(AuthenticatorConfig {
            client_ca_pem: None,
            token_auth_csv,
            service_accounts,
            anonymous: false,
            jwt: self.oidc.jwt_config()?,
            iam: None,
        })
    }
}

/// Runs `kubeward webhook serve`.
pub fn run(args: WebhookServeArgs) -> anyhow::Result<ExitCode> {
    let config = ReviewServerConfig {
        bind_address: SocketAddr::new(args.bind_address, args.secure_port),
        tls_cert_pem: read(&args.tls_cert_file, "--tls-cert-file")?,
        tls_key_pem: read(&args.tls_private_key_file, "--tls-private-key-file")?,
        caller_ca_pem: args
            .caller_ca_file
            .as_deref()
            .map(|p| read(p, "--caller-ca-file"))
            .transpose()?,
        authentication: args.authentication()?,
        service_accounts: None,
        policy: SharedPolicy::default(),
        unmatched: if args.deny_unmatched {
            Unmatched::Deny
        } else {
            Unmatched::NoOpinion
        },
        limits: args.connections.limits(),
    };
    let policy = config.policy.clone();
    super::super::runtime::server_runtime()?.block_on(async move {
        let source = args
            .policy
            .start(std::sync::Arc::new(move |loaded| policy.set(loaded)))
            .await?;
        let server = ReviewServer::bind(config).await?;
        let address = server.local_addr()?;
        let host = if address.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            address.ip()
        };
        eprintln!("RBAC policy: {source}");
        eprintln!(
            "kubeward webhook listening on https://{}",
            SocketAddr::new(host, address.port())
        );
        server.serve().await;
        Ok(ExitCode::SUCCESS)
    })
}
