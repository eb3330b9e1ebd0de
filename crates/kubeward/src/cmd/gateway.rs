//! `kubeward gateway`: kubeward in front of a cluster whose kube-apiserver flags cannot be set.
//! Every request is authenticated with kubeward's chain (client certificates of its CA, static
//! tokens, OIDC, the token webhook; the upstream's own ServiceAccount tokens by a TokenReview to
//! the upstream), optionally authorized locally (RBAC from manifests or the upstream, webhooks),
//! then forwarded with the gateway's own credential and `Impersonate-*` headers of the user, so
//! that the upstream's RBAC and audit see the real user. A client's `--as` is honoured only when
//! the upstream says the user may impersonate (a SubjectAccessReview to the upstream).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{ArgAction, Args};
use kubeward_authn::AuthenticatorConfig;
use kubeward_server::{Authorizer, Gateway, ServerConfig, TokenWebhook};

use super::limits::ConnectionArgs;
use super::serve::{AuthorizationWebhookArgs, OidcArgs};
use super::webhook::policy::PolicyArgs;

mod in_cluster;
mod kubeconfig;

/// How long the upstream's verdict on a token is reused.
const UPSTREAM_TOKEN_TTL: Duration = Duration::from_secs(10);

/// The gateway's flags.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct GatewayArgs {
    /// Something other than serving.
    #[command(subcommand)]
    command: Option<GatewayCommand>,
    /// The kubeconfig of the upstream cluster: where it is, and the credential the gateway
    /// forwards with (it must be allowed to impersonate users, groups, ServiceAccounts, uids and
    /// user extras, and to create TokenReviews and SubjectAccessReviews). Without it, the
    /// cluster the gateway runs in, with its pod's ServiceAccount (in-cluster, as client-go).
    #[arg(long)]
    upstream_kubeconfig: Option<PathBuf>,
    /// In a pod without --upstream-kubeconfig: the folder of the ServiceAccount `token` (read
    /// again every minute: kubelet rotates it) and `ca.crt`.
    #[arg(long, default_value = in_cluster::SERVICE_ACCOUNT_DIR)]
    service_account_dir: PathBuf,
    /// The context of the upstream kubeconfig (default: its current context).
    #[arg(long)]
    upstream_context: Option<String>,
    /// Ask the upstream (TokenReview) about bearer tokens the gateway does not know, such as
    /// the upstream's ServiceAccount tokens.
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    upstream_token_review: bool,
    /// How long the upstream may take to begin an answer (a watch's or `logs -f`'s stream is
    /// not timed); past it the client gets kube-apiserver's 504 Timeout.
    #[arg(long, default_value = "60s", value_parser = super::limits::parse_duration)]
    upstream_response_timeout: Duration,
    /// Send ordinary requests to the upstream over HTTP/2 when it offers it (one multiplexed
    /// connection per connection thread); watches, `logs` and exec/attach/port-forward keep
    /// HTTP/1.1. `false`: a pool of HTTP/1.1 connections for everything.
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    upstream_http2: bool,
    /// The IP address to listen on.
    #[arg(long, default_value = "0.0.0.0")]
    bind_address: IpAddr,
    /// The port to serve HTTPS on (0: any free port).
    #[arg(long, default_value_t = 8443)]
    secure_port: u16,
    /// The serving certificate (PEM, leaf first).
    #[arg(long, required = true)]
    tls_cert_file: Option<PathBuf>,
    /// The serving certificate's key (PEM).
    #[arg(long, required = true)]
    tls_private_key_file: Option<PathBuf>,
    /// CA bundle that client certificates must chain to.
    #[arg(long)]
    client_ca_file: Option<PathBuf>,
    /// Static tokens, in kube-apiserver's CSV format: token,user,uid,"group1,group2".
    #[arg(long)]
    token_auth_file: Option<PathBuf>,
    /// Allow requests without credentials (forwarded as system:anonymous).
    #[arg(long, default_value_t = false, action = ArgAction::Set)]
    anonymous_auth: bool,
    /// The JWT authenticators: `--oidc-*` or `--authentication-config`.
    #[command(flatten)]
    oidc: OidcArgs,
    /// Local authorizers before the upstream's own, comma-separated (default AlwaysAllow: the
    /// upstream decides); with RBAC the policy comes from --policy-dir, else from the upstream.
    #[arg(long)]
    authorization_mode: Option<String>,
    /// Local authorization webhooks.
    #[command(flatten)]
    authorization_webhook: AuthorizationWebhookArgs,
    /// The local RBAC policy.
    #[command(flatten)]
    policy: PolicyArgs,
    /// Connection limits.
    #[command(flatten)]
    connections: ConnectionArgs,
    /// The audit log of what the gateway forwards (as `kubeward serve`'s).
    #[command(flatten)]
    audit: super::audit::AuditArgs,
}

/// `kubeward gateway …` subcommands.
#[derive(Debug, clap::Subcommand)]
enum GatewayCommand {
    /// Write a kubeconfig that reaches the gateway as a user: kubelogin's exec plugin against
    /// an issuer the gateway trusts, or a client certificate of its --client-ca-file.
    Kubeconfig(kubeconfig::KubeconfigArgs),
}

fn read(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{what} {}", path.display()))
}

fn read_opt(path: Option<&PathBuf>, what: &str) -> anyhow::Result<Option<String>> {
    path.map(|p| read(p, what)).transpose()
}

/// A gateway inside `kubeward up`, in front of the cluster of `upstream_kubeconfig` (its
/// current context): `authentication` is `up`'s (its CA's certificates, its identity
/// provider's tokens), the upstream's own tokens go to a TokenReview there, the upstream
/// decides (no local authorization).
pub struct Embedded<'a> {
    /// The upstream's kubeconfig.
    pub upstream_kubeconfig: &'a Path,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The serving certificate and key, PEM.
    pub tls: (String, String),
    /// `up`'s authenticators.
    pub authentication: AuthenticatorConfig,
    /// `up`'s connection limits.
    pub limits: kubeward_server::Limits,
}

/// Starts an [`Embedded`] gateway on the current runtime; its URL and its upstream's.
pub async fn start_embedded(embedded: Embedded<'_>) -> anyhow::Result<(String, String)> {
    let upstream = crate::webhook_kubeconfig::load_context(
        embedded.upstream_kubeconfig,
        "--gateway-upstream-kubeconfig",
        None,
    )?;
    let gateway = Gateway::new(upstream);
    let config = ServerConfig {
        bind_address: embedded.listen,
        tls_cert_pem: embedded.tls.0,
        tls_key_pem: embedded.tls.1,
        authentication: AuthenticatorConfig {
            anonymous: false,
            service_accounts: None,
            iam: None,
            ..embedded.authentication
        },
        authorization: vec![Authorizer::AlwaysAllow],
        token_webhook: Some(TokenWebhook {
            connection: gateway.upstream_at("/apis/authentication.k8s.io/v1/tokenreviews"),
            version: kubeward_webhook::Version::V1,
            cache_ttl: UPSTREAM_TOKEN_TTL,
        }),
        gateway: Some(gateway.clone()),
        cluster_signing: None,
        service_account_signing: None,
        store_path: PathBuf::new(),
        max_requests_inflight: 0,
        max_mutating_requests_inflight: 0,
        limits: embedded.limits,
        kubelet_client: None,
        audit: None,
        leader_election: None,
        metrics_sources: Vec::new(),
    };
    let server = kubeward_server::Server::bind_gateway(config).await?;
    let url = url_of(server.local_addr()?);
    tokio::spawn(server.serve());
    Ok((url, gateway.upstream.url))
}

/// `https://HOST:PORT` of a listening address (loopback for an unspecified one).
fn url_of(address: SocketAddr) -> String {
    let host = if address.ip().is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        address.ip()
    };
    format!("https://{}", SocketAddr::new(host, address.port()))
}

/// Runs `kubeward gateway`.
pub fn run(mut args: GatewayArgs) -> anyhow::Result<ExitCode> {
    if let Some(GatewayCommand::Kubeconfig(kubeconfig)) = args.command.take() {
        return kubeconfig::run(kubeconfig);
    }
    let (Some(tls_cert_file), Some(tls_private_key_file)) = (
        args.tls_cert_file.clone(),
        args.tls_private_key_file.clone(),
    ) else {
        anyhow::bail!("--tls-cert-file and --tls-private-key-file are required");
    };
    let upstream = match &args.upstream_kubeconfig {
        Some(kubeconfig) => crate::webhook_kubeconfig::load_context(
            kubeconfig,
            "--upstream-kubeconfig",
            args.upstream_context.as_deref(),
        )?,
        None => in_cluster::load(&args.service_account_dir)?,
    };
    let gateway = Gateway {
        response_timeout: args.upstream_response_timeout,
        http2: args.upstream_http2,
        ..Gateway::new(upstream)
    };
    let authorization = super::serve::authorizers(
        args.authorization_mode.as_deref(),
        "AlwaysAllow",
        &args.authorization_webhook,
    )?;
    let local_rbac = authorization.iter().any(|a| matches!(a, Authorizer::Rbac));
    let token_webhook = args.upstream_token_review.then(|| TokenWebhook {
        connection: gateway.upstream_at("/apis/authentication.k8s.io/v1/tokenreviews"),
        version: kubeward_webhook::Version::V1,
        cache_ttl: UPSTREAM_TOKEN_TTL,
    });
    let config = ServerConfig {
        bind_address: SocketAddr::new(args.bind_address, args.secure_port),
        tls_cert_pem: read(&tls_cert_file, "--tls-cert-file")?,
        tls_key_pem: read(&tls_private_key_file, "--tls-private-key-file")?,
        authentication: AuthenticatorConfig {
            client_ca_pem: read_opt(args.client_ca_file.as_ref(), "--client-ca-file")?,
            token_auth_csv: read_opt(args.token_auth_file.as_ref(), "--token-auth-file")?,
            service_accounts: None,
            anonymous: args.anonymous_auth,
            jwt: args.oidc.jwt_config()?,
            iam: None,
        },
        authorization,
        token_webhook,
        gateway: Some(gateway.clone()),
        cluster_signing: None,
        service_account_signing: None,
        store_path: PathBuf::new(),
        max_requests_inflight: 0,
        max_mutating_requests_inflight: 0,
        limits: args.connections.limits(),
        kubelet_client: None,
        audit: args.audit.options()?,
        leader_election: None,
        metrics_sources: Vec::new(),
    };
    if let Some(kubeconfig) = &args.upstream_kubeconfig {
        args.policy
            .default_cluster(kubeconfig, args.upstream_context.as_deref());
    }
    let runtime = super::runtime::server_runtime()?;
    let outcome = runtime.block_on(async move {
        let mut signals = super::shutdown::Signals::install()?;
        let server = kubeward_server::Server::bind_gateway(config).await?;
        if local_rbac {
            let source = args
                .policy
                .start(std::sync::Arc::new(server.policy_installer()))
                .await?;
            eprintln!("local RBAC policy: {source}");
        }
        eprintln!(
            "kubeward gateway listening on {} for {}",
            url_of(server.local_addr()?),
            gateway.upstream.url
        );
        let audit = server.audit().map(|(_, backends)| backends);
        super::shutdown::serve_until_stopped("kubeward gateway", &mut signals, server.serve())
            .await;
        super::shutdown::flush_audit(audit);
        anyhow::Ok(ExitCode::SUCCESS)
    })?;
    super::shutdown::stop_runtime(runtime, "kubeward gateway");
    Ok(outcome)
}
