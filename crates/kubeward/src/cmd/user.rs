//! `kubeward user add`: seed 002 in one command — a key, a CertificateSigningRequest for
//! CN = the user and O = each group, optional approval, the issued certificate, and a kubeconfig
//! for the user with everything embedded. It talks to the cluster of the current kubeconfig, so
//! it works against any Kubernetes cluster, not only kubeward's.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Subcommand};
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, Patch, PatchParams, PostParams};

use crate::files::{Access, write_atomic};
use crate::kubeconfig::{self, KubeconfigSpec};

/// The signer of client certificates for the API server.
const SIGNER: &str = "kubernetes.io/kube-apiserver-client";

/// `kubeward user …`.
#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Onboard a user with a client certificate: key, CSR, approval, kubeconfig.
    Add(AddArgs),
}

/// `kubeward user add` flags.
#[derive(Debug, Args)]
struct AddArgs {
    /// The user name (the certificate's CN).
    name: String,
    /// A group of the user (the certificate's O; repeatable).
    #[arg(long = "group")]
    groups: Vec<String>,
    /// Approve the request (needs `approve` on the signer); otherwise wait for an approver.
    #[arg(long)]
    approve: bool,
    /// Lifetime of the certificate asked for (`expirationSeconds`), e.g. 24h, 90m, 7d.
    #[arg(long, value_parser = parse_duration)]
    expiration: Option<Duration>,
    /// Where to write the user's kubeconfig (mode 0600).
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// How long to wait for approval and the certificate.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    timeout: Duration,
}

/// Parses `30s`, `90m`, `24h`, `7d`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let value: u64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?}: expected a number and s, m, h or d"))?;
    let seconds = match unit {
        "s" | "" => value,
        "m" => value * 60,
        "h" => value * 3600,
        "d" => value * 86_400,
        _ => {
            return Err(format!(
                "invalid duration {text:?}: the unit must be s, m, h or d"
            ));
        }
    };
    Ok(Duration::from_secs(seconds))
}

/// Runs `kubeward user …`.
pub fn run(args: UserArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        UserCommand::Add(add) => super::runtime::server_runtime()?.block_on(run_add(add)),
    }
}

async fn run_add(args: AddArgs) -> anyhow::Result<ExitCode> {
    let config = crate::kube_config::load(None, None).await?;
    let client = kube::Client::try_from(config.clone()).context("connecting to the cluster")?;
    let requests: Api<CertificateSigningRequest> = Api::all(client);

    let request = kubeward_pki::new_client_request(&args.name, &args.groups)
        .context("creating the key and the certificate request")?;
    let csr = CertificateSigningRequest {
        metadata: ObjectMeta {
            name: Some(args.name.clone()),
            ..ObjectMeta::default()
        },
        spec: CertificateSigningRequestSpec {
            request: ByteString(request.csr_pem.clone().into_bytes()),
            signer_name: SIGNER.to_string(),
            usages: Some(vec!["client auth".to_string()]),
            expiration_seconds: args
                .expiration
                .map(|d| i32::try_from(d.as_secs()).unwrap_or(i32::MAX)),
            ..CertificateSigningRequestSpec::default()
        },
        status: None,
    };
    requests
        .create(&PostParams::default(), &csr)
        .await
        .map_err(describe)?;
    println!(
        "certificatesigningrequest.certificates.k8s.io/{} created",
        args.name
    );

    if args.approve {
        let approval = serde_json::json!({"status": {"conditions": [CertificateSigningRequestCondition {
            type_: "Approved".to_string(),
            status: "True".to_string(),
            reason: Some("KubewardUserAdd".to_string()),
            message: Some("This CSR was approved by kubeward user add.".to_string()),
            ..CertificateSigningRequestCondition::default()
        }]}});
        requests
            .patch_approval(
                &args.name,
                &PatchParams::default(),
                &Patch::Merge(&approval),
            )
            .await
            .map_err(describe)?;
        println!(
            "certificatesigningrequest.certificates.k8s.io/{} approved",
            args.name
        );
    } else {
        println!(
            "waiting for approval: kubectl certificate approve {}",
            args.name
        );
    }

    let certificate = wait_for_certificate(&requests, &args.name, args.timeout).await?;
    let ca_pem = config
        .root_cert
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|der| pem("CERTIFICATE", der))
        .collect::<String>();
    let server = config.cluster_url.to_string();
    let server = server.trim_end_matches('/');
    let rendered = kubeconfig::render(&KubeconfigSpec {
        cluster_name: "kubernetes",
        server,
        ca_pem: &ca_pem,
        user_name: &args.name,
        client_certificate_pem: &certificate,
        client_key_pem: &request.key_pem,
    })?;
    let output = args
        .output
        .unwrap_or_else(|| PathBuf::from(format!("{}.kubeconfig", args.name)));
    write_atomic(&output, rendered.as_bytes(), Access::Secret)
        .with_context(|| format!("writing {}", output.display()))?;
    println!(
        "kubeconfig for {} written to {}",
        args.name,
        output.display()
    );
    println!("Try: kubectl --kubeconfig {} auth whoami", output.display());
    Ok(ExitCode::SUCCESS)
}

/// Polls the request until it carries a certificate, or fails when it is denied or failed.
async fn wait_for_certificate(
    requests: &Api<CertificateSigningRequest>,
    name: &str,
    timeout: Duration,
) -> anyhow::Result<String> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let current = requests.get(name).await.map_err(describe)?;
        let status = current.status.unwrap_or_default();
        if let Some(certificate) = status.certificate.filter(|c| !c.0.is_empty()) {
            return String::from_utf8(certificate.0)
                .context("the issued certificate is not PEM text");
        }
        for condition in status.conditions.unwrap_or_default() {
            if condition.type_ == "Denied" || condition.type_ == "Failed" {
                bail!(
                    "certificate signing request {name:?} is {}: {}",
                    condition.type_,
                    condition.message.unwrap_or_default()
                );
            }
        }
        if tokio::time::Instant::now() >= deadline {
            bail!("timed out waiting for the certificate of {name:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The server's message, as kubectl prints it (`Error from server (Reason): message`).
fn describe(error: kube::Error) -> anyhow::Error {
    super::server_error::ServerError::from_kube(error)
}

/// DER as PEM, 64 characters a line.
fn pem(label: &str, der: &[u8]) -> String {
    let encoded = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in encoded.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
