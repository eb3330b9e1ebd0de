//! `kubeward webhook config`: the files that point a kube-apiserver at `kubeward webhook serve`
//! — a kubeconfig for `--authentication-token-webhook-config-file` (its server is the webhook's
//! `/authenticate`), one for `--authorization-webhook-config-file` (`/authorize`), and an
//! `AuthorizationConfiguration` for `--authorization-config` (Node, RBAC, then the webhook) —
//! with certificates embedded, written 0600, and the flags to add printed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;

use crate::files::{Access, write_atomic};
use crate::kubeconfig::{Credential, render_with};

/// The flags.
#[derive(Debug, Args)]
pub struct WebhookConfigArgs {
    /// The webhook's URL as kube-apiserver reaches it, e.g. https://10.0.0.5:8443.
    #[arg(long)]
    server: String,
    /// The CA bundle that signed the webhook's serving certificate.
    #[arg(long)]
    certificate_authority: PathBuf,
    /// kube-apiserver's client certificate towards the webhook (see `serve --caller-ca-file`).
    #[arg(long, requires = "client_key")]
    client_certificate: Option<PathBuf>,
    /// Its key.
    #[arg(long, requires = "client_certificate")]
    client_key: Option<PathBuf>,
    /// The SubjectAccessReview and TokenReview version to speak.
    #[arg(long, default_value = "v1")]
    review_version: String,
    /// The authorization webhook's timeout in the AuthorizationConfiguration (at most 30s).
    #[arg(long, default_value = "3s", value_parser = crate::cmd::limits::parse_duration)]
    timeout: Duration,
    /// What a failed authorization webhook call decides: NoOpinion or Deny.
    #[arg(long, default_value = "NoOpinion")]
    failure_policy: String,
    /// Where the files go (made absolute: kube-apiserver requires absolute paths).
    #[arg(long, default_value = ".")]
    out_dir: PathBuf,
}

/// The name of the token webhook kubeconfig.
const AUTHENTICATION_FILE: &str = "authentication-webhook.kubeconfig";
/// The name of the authorization webhook kubeconfig.
const AUTHORIZATION_FILE: &str = "authorization-webhook.kubeconfig";
/// The name of the AuthorizationConfiguration.
const AUTHORIZATION_CONFIG_FILE: &str = "authorization-config.yaml";

fn read(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{what} {}", path.display()))
}

/// Runs `kubeward webhook config`.
pub fn run(args: WebhookConfigArgs) -> anyhow::Result<ExitCode> {
    let base = args.server.trim_end_matches('/');
    if !base.starts_with("https://") {
        bail!("--server {base:?}: kube-apiserver calls webhooks over https://");
    }
    kubeward_webhook::Version::authorization(&args.review_version)?;
    if !matches!(args.failure_policy.as_str(), "NoOpinion" | "Deny") {
        bail!(
            "--failure-policy {:?}: NoOpinion or Deny",
            args.failure_policy
        );
    }
    if args.timeout.is_zero() || args.timeout > Duration::from_secs(30) {
        bail!("--timeout must be > 0s and <= 30s");
    }
    let ca = read(&args.certificate_authority, "--certificate-authority")?;
    let certificate = args
        .client_certificate
        .as_deref()
        .map(|p| read(p, "--client-certificate"))
        .transpose()?;
    let key = args
        .client_key
        .as_deref()
        .map(|p| read(p, "--client-key"))
        .transpose()?;
    let credential = match (&certificate, &key) {
        (Some(certificate_pem), Some(key_pem)) => Credential::Certificate {
            certificate_pem,
            key_pem,
        },
        _ => Credential::None,
    };
    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("creating {}", args.out_dir.display()))?;
    let out = std::fs::canonicalize(&args.out_dir)
        .with_context(|| format!("resolving {}", args.out_dir.display()))?;
    let write = |name: &str, text: &str| -> anyhow::Result<PathBuf> {
        let path = out.join(name);
        write_atomic(&path, text.as_bytes(), Access::Secret)
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    };
    let authentication = write(
        AUTHENTICATION_FILE,
        &render_with(
            "kubeward-webhook",
            &format!("{base}/authenticate"),
            &ca,
            "kube-apiserver",
            &credential,
        )?,
    )?;
    let authorization = write(
        AUTHORIZATION_FILE,
        &render_with(
            "kubeward-webhook",
            &format!("{base}/authorize"),
            &ca,
            "kube-apiserver",
            &credential,
        )?,
    )?;
    let configuration = write(
        AUTHORIZATION_CONFIG_FILE,
        &authorization_configuration(&args, &authorization),
    )?;
    let version = &args.review_version;
    println!("Wrote {}", authentication.display());
    println!("Wrote {}", authorization.display());
    println!("Wrote {}", configuration.display());
    println!();
    println!("kube-apiserver flags:");
    println!(
        "  --authentication-token-webhook-config-file={}",
        authentication.display()
    );
    println!("  --authentication-token-webhook-version={version}");
    println!("  --authorization-config={}", configuration.display());
    println!("or, instead of --authorization-config, the legacy flags:");
    println!("  --authorization-mode=Node,RBAC,Webhook");
    println!(
        "  --authorization-webhook-config-file={}",
        authorization.display()
    );
    println!("  --authorization-webhook-version={version}");
    Ok(ExitCode::SUCCESS)
}

/// An `AuthorizationConfiguration`: Node, RBAC, then the webhook (which only adds grants:
/// kubeward answers no opinion for what its policy does not allow).
fn authorization_configuration(args: &WebhookConfigArgs, kubeconfig: &Path) -> String {
    format!(
        "apiVersion: apiserver.config.k8s.io/v1
kind: AuthorizationConfiguration
authorizers:
  - type: Node
    name: node
  - type: RBAC
    name: rbac
  - type: Webhook
    name: kubeward
    webhook:
      timeout: {timeout}
      authorizedTTL: 5m
      unauthorizedTTL: 30s
      subjectAccessReviewVersion: {version}
      matchConditionSubjectAccessReviewVersion: v1
      failurePolicy: {policy}
      connectionInfo:
        type: KubeConfigFile
        kubeConfigFile: {file}
",
        timeout = kubeward_webhook::duration::format(args.timeout),
        version = args.review_version,
        policy = args.failure_policy,
        file = kubeconfig.display(),
    )
}
