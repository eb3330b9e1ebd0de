//! `kubeward gateway kubeconfig --user NAME`: a kubeconfig that reaches a gateway as that user,
//! with either kubelogin's exec plugin (`kubectl oidc-login get-token` against an issuer the
//! gateway trusts) or a client certificate issued on the spot by the CA the gateway's
//! `--client-ca-file` names. The gateway's CA is embedded, so the file works from anywhere; it
//! is written 0600 (it may hold a key or a client secret).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine as _;
use clap::Args;
use kubeward_pki::CertificateAuthority;

use crate::files::{Access, write_atomic};
use crate::kubeconfig::{self, KubeconfigSpec};

/// The cluster's name in the file.
const CLUSTER: &str = "kubeward-gateway";

/// `kubeward gateway kubeconfig` flags.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("credential").required(true).args(["oidc_issuer_url", "client_ca_cert"])))]
pub struct KubeconfigArgs {
    /// The user's name in the file (and the certificate's common name).
    #[arg(long)]
    user: String,
    /// The gateway's URL, e.g. https://gateway.example:8443.
    #[arg(long)]
    server: String,
    /// The CA bundle that verifies the gateway's serving certificate (embedded).
    #[arg(long)]
    certificate_authority: PathBuf,
    /// An exec plugin user: the issuer `kubectl oidc-login get-token` signs in with.
    #[arg(long, requires = "oidc_client_id")]
    oidc_issuer_url: Option<String>,
    /// The OIDC client id.
    #[arg(long)]
    oidc_client_id: Option<String>,
    /// The OIDC client secret (confidential clients).
    #[arg(long)]
    oidc_client_secret: Option<String>,
    /// Extra scopes to ask for (repeatable), e.g. groups.
    #[arg(long = "oidc-extra-scope")]
    oidc_extra_scopes: Vec<String>,
    /// The CA bundle the issuer's certificate chains to (embedded for the plugin), if not a
    /// public one.
    #[arg(long)]
    oidc_certificate_authority: Option<PathBuf>,
    /// A certificate user: the CA certificate (the gateway's --client-ca-file) …
    #[arg(long, requires = "client_ca_key", conflicts_with = "oidc_issuer_url")]
    client_ca_cert: Option<PathBuf>,
    /// … and its key, which signs the user's certificate.
    #[arg(long)]
    client_ca_key: Option<PathBuf>,
    /// The certificate's groups (O=, repeatable).
    #[arg(long = "group")]
    groups: Vec<String>,
    /// How long the certificate is valid, in hours.
    #[arg(long, default_value_t = 24 * 365)]
    validity_hours: u64,
    /// Where to write the kubeconfig (0600); standard output without it.
    #[arg(short = 'o', long)]
    output: Option<PathBuf>,
}

fn read(path: &PathBuf, flag: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{flag} {}", path.display()))
}

/// Writes the kubeconfig.
pub fn run(args: KubeconfigArgs) -> anyhow::Result<ExitCode> {
    let ca_pem = read(&args.certificate_authority, "--certificate-authority")?;
    let text = match (
        &args.oidc_issuer_url,
        &args.client_ca_cert,
        &args.client_ca_key,
    ) {
        (Some(issuer), _, _) => exec_kubeconfig(&args, issuer, &ca_pem)?,
        (None, Some(cert), Some(key)) => {
            let ca = CertificateAuthority::from_pem(
                &read(cert, "--client-ca-cert")?,
                &read(key, "--client-ca-key")?,
            )
            .context("loading the client CA")?;
            let issued = ca
                .issue_client(
                    &args.user,
                    &args.groups,
                    time::OffsetDateTime::now_utc(),
                    Duration::from_secs(args.validity_hours * 3600),
                )
                .context("issuing the client certificate")?;
            kubeconfig::render(&KubeconfigSpec {
                cluster_name: CLUSTER,
                server: &args.server,
                ca_pem: &ca_pem,
                user_name: &args.user,
                client_certificate_pem: &issued.cert_pem,
                client_key_pem: &issued.key_pem,
            })?
        }
        _ => anyhow::bail!("give --oidc-issuer-url or --client-ca-cert with --client-ca-key"),
    };
    match &args.output {
        Some(path) => {
            write_atomic(path, text.as_bytes(), Access::Secret)?;
            eprintln!("wrote {} for user {}", path.display(), args.user);
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// A kubeconfig whose user runs `kubectl oidc-login get-token`.
fn exec_kubeconfig(args: &KubeconfigArgs, issuer: &str, ca_pem: &str) -> anyhow::Result<String> {
    let encode = |pem: &str| base64::engine::general_purpose::STANDARD.encode(pem);
    let mut plugin = vec![
        "oidc-login".to_string(),
        "get-token".to_string(),
        format!("--oidc-issuer-url={issuer}"),
        format!(
            "--oidc-client-id={}",
            args.oidc_client_id.as_deref().unwrap_or_default()
        ),
    ];
    if let Some(secret) = &args.oidc_client_secret {
        plugin.push(format!("--oidc-client-secret={secret}"));
    }
    for scope in &args.oidc_extra_scopes {
        plugin.push(format!("--oidc-extra-scope={scope}"));
    }
    if let Some(path) = &args.oidc_certificate_authority {
        let pem = read(path, "--oidc-certificate-authority")?;
        plugin.push(format!("--certificate-authority-data={}", encode(&pem)));
    }
    let context = kubeconfig::context_name(CLUSTER, &args.user);
    let config = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CLUSTER, "cluster": {
            "server": args.server,
            "certificate-authority-data": encode(ca_pem),
        }}],
        "users": [{"name": args.user, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "kubectl",
            "args": plugin,
            "interactiveMode": "IfAvailable",
            "provideClusterInfo": false,
        }}}],
        "contexts": [{"name": context, "context": {
            "cluster": CLUSTER,
            "user": args.user,
            "namespace": "default",
        }}],
        "current-context": context,
    });
    Ok(serde_json::to_string_pretty(&config)? + "\n")
}
