//! `kubeward auth explain`: why was this token accepted or refused? Builds the API server's
//! authenticator chain from the same flags as `kubeward serve` (parsed by the same code), picks
//! the authenticator that takes the token (static token file, ServiceAccount issuer, or the OIDC
//! issuer named by its unverified `iss`), fetches that issuer's keys as the server does (or reads
//! `--jwks`), walks the OIDC checks with `kubeward_authn::oidc::trace` — the authenticator's own
//! code — and takes the verdict and the logged reason from the chain itself. Optionally asks RBAC
//! about the resulting user.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use kubeward_authn::oidc::discovery::parse_jwks;
use kubeward_authn::oidc::trace::{Check, Steps};
use kubeward_authn::oidc::verify::{VerifyError, go_duration, go_time};
use kubeward_authn::oidc::{JwtIssuer, OidcAuthenticator, OidcError};
use kubeward_authn::{
    Authenticator, AuthenticatorConfig, LEGACY_ISSUER, ServiceAccountConfig, ServiceAccountLookup,
    TokenFile,
};
use kubeward_jose::jws::{Compact, unverified_payload};
use serde_json::{Map, Value};

use super::cluster::Cluster;
use super::credential::{self, Credential};
use super::report::Report;
use super::review::{self, Question};
use crate::cmd::serve::{IamArgs, OidcArgs};

/// The ServiceAccount issuer of `kubeward up`.
const UP_SERVICE_ACCOUNT_ISSUER: &str = "https://kubernetes.default.svc";

/// Output format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum Output {
    /// Steps with ✔ and ✖.
    Text,
    /// One JSON object.
    Json,
}

/// `kubeward auth explain` flags.
#[derive(Debug, Args)]
pub(super) struct ExplainArgs {
    /// The bearer token to explain (default: the current kubeconfig's credential).
    #[arg(long, conflicts_with = "token_file")]
    token: Option<String>,
    /// A file holding the token.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// The kubeconfig whose credential is explained (default: $KUBECONFIG, then ~/.kube/config);
    /// also the cluster asked for the RBAC answer, unless --data-dir gives an admin kubeconfig.
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: the current context).
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    /// The API server's JWT authenticators, as given to `kubeward serve`.
    #[command(flatten)]
    oidc: OidcArgs,
    /// The API server's IAM token settings, as given to `kubeward serve` (with --data-dir of a
    /// `kubeward up --aws-iam-cluster-id`, its local STS and CA are used).
    #[command(flatten)]
    iam: IamArgs,
    /// The API server's static tokens (`--token-auth-file`).
    #[arg(long, value_name = "FILE")]
    token_auth_file: Option<PathBuf>,
    /// The API server's ServiceAccount issuers (repeatable).
    #[arg(long = "service-account-issuer", value_name = "URL")]
    service_account_issuers: Vec<String>,
    /// Keys that verify ServiceAccount tokens (repeatable).
    #[arg(long = "service-account-key-file", value_name = "FILE")]
    service_account_key_files: Vec<PathBuf>,
    /// The API audiences (default: the ServiceAccount issuers).
    #[arg(long = "api-audiences", value_delimiter = ',')]
    api_audiences: Vec<String>,
    /// The data directory of a `kubeward up`: its ServiceAccount key and issuer, the
    /// `authentication-config.json` it wrote (unless --oidc-* or --authentication-config are
    /// given), and its admin kubeconfig for the RBAC answer.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The issuer's key set (JWKS JSON) from a file instead of fetching discovery (offline).
    #[arg(long, value_name = "FILE")]
    jwks: Option<PathBuf>,
    /// Ask RBAC whether the user may VERB (with --resource).
    #[arg(long, requires = "resource")]
    verb: Option<String>,
    /// The resource of the RBAC question: RESOURCE or RESOURCE.GROUP (plural, e.g. pods,
    /// deployments.apps).
    #[arg(long, requires = "verb")]
    resource: Option<String>,
    /// The namespace of the RBAC question (default: cluster-wide).
    #[arg(short = 'n', long, default_value = "", requires = "verb")]
    namespace: String,
    /// The object name of the RBAC question.
    #[arg(long, default_value = "", requires = "verb")]
    name: String,
    /// The subresource of the RBAC question.
    #[arg(long, default_value = "", requires = "verb")]
    subresource: String,
    /// Answer the RBAC question offline from manifests (files or folders) plus the bootstrap
    /// policy, instead of the cluster's SubjectAccessReview.
    #[arg(long = "from", value_name = "PATH", num_args = 1.., requires = "verb")]
    from: Vec<PathBuf>,
    /// With --from, leave out the bootstrap policy.
    #[arg(long, requires = "from")]
    no_bootstrap: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

/// Runs `kubeward auth explain`.
pub(super) fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let credential = token(&args)?;
    #[allow(clippy::disallowed_methods)] // The command line is where the clock is read.
    let now = SystemTime::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut report = Report {
        source: credential.source.clone(),
        ..Report::default()
    };
    if credential
        .token
        .starts_with(kubeward_authn::iam::token::V1_PREFIX)
    {
        runtime.block_on(super::iam::walk(
            &args.iam,
            &args.cluster(),
            &credential.token,
            now,
            &mut report,
        ))?;
    } else {
        let chain = Chain::new(&args)?;
        runtime.block_on(chain.walk(&credential.token, args.jwks.as_deref(), now, &mut report))?;
        // The verdict and the logged reason come from the chain itself, as the server computes
        // them.
        let lookup = AssumeBoundObjectsExist::from_token(&credential.token);
        match chain
            .authenticator
            .authenticate_token(&credential.token, None, &lookup, now)
        {
            Ok(found) => report.user = Some(found.user),
            Err(reason) => {
                if report.lines.iter().all(|l| l.passed) {
                    report.fail("verdict", reason.clone(), None);
                }
                report.logged = Some(reason);
            }
        }
    }

    if let (Some(verb), Some(resource), Some(user)) = (&args.verb, &args.resource, &report.user) {
        let question = Question {
            verb: verb.clone(),
            resource: resource.clone(),
            namespace: args.namespace.clone(),
            name: args.name.clone(),
            subresource: args.subresource.clone(),
        };
        let answer = if args.from.is_empty() {
            let client = runtime.block_on(args.cluster().client())?;
            runtime.block_on(review::live(client, user, &question))?
        } else {
            review::offline(user, &question, &args.from, args.no_bootstrap)?
        };
        report.rbac = Some((question, answer));
    }

    match args.output {
        Output::Text => print!("{}", report.text()),
        Output::Json => println!("{}", serde_json::to_string_pretty(&report.json())?),
    }
    Ok(if report.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn token(args: &ExplainArgs) -> anyhow::Result<Credential> {
    if let Some(token) = &args.token {
        if token.trim().is_empty() {
            bail!("--token is empty");
        }
        return Ok(Credential {
            token: token.trim().to_string(),
            source: "--token".into(),
        });
    }
    if let Some(path) = &args.token_file {
        return Ok(Credential {
            token: credential::read_token_file(path)?,
            source: format!("--token-file {}", path.display()),
        });
    }
    credential::from_kubeconfig(args.kubeconfig.as_deref(), args.context.as_deref())
}

impl ExplainArgs {
    /// The cluster asked for the RBAC answer and the IAM mappings.
    fn cluster(&self) -> Cluster<'_> {
        Cluster {
            data_dir: self.data_dir.as_deref(),
            kubeconfig: self.kubeconfig.as_deref(),
            context: self.context.as_deref(),
        }
    }
}

/// The authenticators of the explained API server.
struct Chain {
    authenticator: Authenticator,
    tokens: Option<TokenFile>,
    service_account_issuers: Vec<String>,
}

impl Chain {
    fn new(args: &ExplainArgs) -> anyhow::Result<Self> {
        let read = |path: &Path, what: &str| {
            std::fs::read_to_string(path).with_context(|| format!("{what} {}", path.display()))
        };
        let token_auth_csv = args
            .token_auth_file
            .as_deref()
            .map(|p| read(p, "--token-auth-file"))
            .transpose()?;
        let mut issuers = args.service_account_issuers.clone();
        let mut key_files = args.service_account_key_files.clone();
        if let Some(dir) = &args.data_dir {
            if !dir.join("pki").is_dir() {
                bail!(
                    "--data-dir {}: not the data directory of a `kubeward up` (no pki/)",
                    dir.display()
                );
            }
            if issuers.is_empty() {
                issuers.push(UP_SERVICE_ACCOUNT_ISSUER.to_string());
            }
            if key_files.is_empty() {
                key_files.push(dir.join("pki/sa.pub"));
            }
        }
        let keys = key_files
            .iter()
            .map(|p| read(p, "--service-account-key-file"))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let service_accounts =
            (!issuers.is_empty() && !keys.is_empty()).then(|| ServiceAccountConfig {
                issuers: issuers.clone(),
                verification_keys_pem: keys,
                audiences: if args.api_audiences.is_empty() {
                    issuers.clone()
                } else {
                    args.api_audiences.clone()
                },
            });
        let tokens = token_auth_csv
            .as_deref()
            .map(TokenFile::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--token-auth-file: {e}"))?;
        let authenticator = Authenticator::new(AuthenticatorConfig {
            client_ca_pem: None,
            token_auth_csv,
            service_accounts,
            anonymous: false,
            jwt: jwt_config(args)?,
            iam: None,
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        if tokens.is_none() && issuers.is_empty() && authenticator.oidc().is_none() {
            bail!(
                "no authenticator to explain: give the API server's --oidc-issuer-url/--oidc-client-id, --authentication-config, --token-auth-file, --service-account-issuer/--service-account-key-file or --data-dir"
            );
        }
        Ok(Self {
            authenticator,
            tokens,
            service_account_issuers: issuers,
        })
    }

    /// Walks the authenticators in kube-apiserver's order, recording each step in `report`.
    async fn walk(
        &self,
        token: &str,
        jwks: Option<&Path>,
        now: SystemTime,
        report: &mut Report,
    ) -> anyhow::Result<()> {
        if let Some(user) = self.tokens.as_ref().and_then(|t| t.authenticate(token)) {
            report.authenticator = Some("static token file (--token-auth-file)".into());
            report.pass(
                "static token",
                format!("listed in --token-auth-file for user {:?}", user.name),
            );
            return Ok(());
        }
        let payload = unverified_payload(token);
        let iss = payload
            .as_ref()
            .and_then(|p| p.get("iss"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if self.service_account_issuers.contains(&iss) || (iss == LEGACY_ISSUER) {
            report.authenticator = Some("ServiceAccount tokens (--service-account-issuer)".into());
            report.pass(
                "issuer",
                format!("iss {iss:?} is a ServiceAccount token issuer"),
            );
            let lookup = AssumeBoundObjectsExist::from_token(token);
            match self.authenticator.authenticate_token(token, None, &lookup, now) {
                Ok(found) => report.pass(
                    "serviceaccount",
                    format!(
                        "signature, audience and expiry verified: {:?} (bound objects assumed to exist)",
                        found.user.name
                    ),
                ),
                Err(reason) => report.fail("serviceaccount", reason, None),
            }
            return Ok(());
        }
        let Some(oidc) = self.authenticator.oidc() else {
            report.fail(
                "issuer",
                if payload.is_none() {
                    "not a JWT, and not a static token of --token-auth-file".to_string()
                } else {
                    format!(
                        "iss {iss:?} is no ServiceAccount issuer, and no OIDC issuer is configured"
                    )
                },
                None,
            );
            return Ok(());
        };
        if payload.is_none() {
            report.fail(
                "token",
                "not a JWT (three base64url parts with a JSON object payload)",
                self.tokens
                    .as_ref()
                    .map(|_| "nor a token of --token-auth-file".to_string()),
            );
            return Ok(());
        }
        let Some((index, issuer)) = oidc.issuer_for(token) else {
            let configured: Vec<String> =
                oidc.issuers().iter().map(|i| i.url().to_string()).collect();
            report.fail(
                "issuer",
                format!(
                    "iss {iss:?} is none of the configured issuers {:?}",
                    configured
                ),
                Some("no authenticator takes the token: the API server answers 401".into()),
            );
            return Ok(());
        };
        report.authenticator = Some(format!("OIDC issuer {}", issuer.url()));
        report.pass(
            "issuer",
            format!("iss {iss:?} is the configured issuer {}", issuer.url()),
        );
        match install_keys(oidc, index, jwks).await {
            Ok(detail) => report.pass("discovery", detail),
            Err(reason) => {
                report.fail("discovery", reason, Some(
                    "the API server cannot verify this issuer's tokens until it fetches its keys"
                        .into(),
                ));
                return Ok(());
            }
        }
        let mut steps = Steps::default();
        let result = issuer.authenticate_traced(token, now, &mut steps);
        for step in &steps.steps {
            if let Some(detail) = &step.passed {
                report.pass(step.check.name(), detail.clone());
            }
        }
        if let (Err(error), Some(check)) = (&result, steps.failed()) {
            report.fail(
                check.name(),
                error.to_string(),
                hint(check, error, issuer, token, now),
            );
        }
        Ok(())
    }
}

/// The JWT authenticators: the flags, else the `authentication-config.json` that `kubeward up`
/// wrote into --data-dir (the configuration its API server runs with).
fn jwt_config(args: &ExplainArgs) -> anyhow::Result<Option<kubeward_authn::oidc::JwtConfig>> {
    let up_config = args
        .data_dir
        .as_ref()
        .map(|dir| dir.join("authentication-config.json"))
        .filter(|file| file.is_file());
    match up_config {
        Some(file) if args.oidc.jwt_config()?.is_none() => OidcArgs {
            authentication_config: Some(file),
            ..args.oidc.clone()
        }
        .jwt_config(),
        _ => args.oidc.jwt_config(),
    }
}

/// Installs issuer `index`'s keys: from `--jwks`, or fetched as the server fetches them.
async fn install_keys(
    oidc: &Arc<OidcAuthenticator>,
    index: usize,
    jwks: Option<&Path>,
) -> Result<String, String> {
    let issuer = &oidc.issuers()[index];
    let source = match jwks {
        Some(path) => {
            let body =
                std::fs::read(path).map_err(|e| format!("--jwks {}: {e}", path.display()))?;
            let keys = parse_jwks(&body).map_err(|e| format!("--jwks {}: {e}", path.display()))?;
            oidc.set_keys(index, keys);
            format!("keys from --jwks {}", path.display())
        }
        None => {
            let fetcher = kubeward_server::KeyFetcher::new(oidc.clone());
            fetcher
                .fetch(index)
                .await
                .map_err(|e| format!("oidc authenticator: initializing plugin: {e}"))?;
            format!("keys fetched through {}", issuer.discovery_url())
        }
    };
    let kids: Vec<String> = issuer
        .keys()
        .unwrap_or_default()
        .iter()
        .map(|k| format!("{:?} ({})", k.key_id(), k.algorithm().as_str()))
        .collect();
    Ok(format!(
        "{source}: {} key(s): {}",
        kids.len(),
        kids.join(", ")
    ))
}

/// A human hint under a failed check.
fn hint(
    check: Check,
    error: &OidcError,
    issuer: &JwtIssuer,
    token: &str,
    now: SystemTime,
) -> Option<String> {
    match (check, error) {
        (Check::Expiry, OidcError::Verify(VerifyError::Expired { expiry })) => {
            Some(match now.duration_since(*expiry) {
                Ok(ago) => format!("expired {} ago; get a fresh token", go_duration(ago)),
                Err(_) => "expired".into(),
            })
        }
        (Check::NotBefore, OidcError::Verify(VerifyError::NotYetValid { now, not_before })) => {
            Some(format!(
                "valid only from {} (in {}); check the clocks",
                go_time(*not_before),
                go_duration(not_before.duration_since(*now).unwrap_or_default())
            ))
        }
        (Check::Audience, _) => Some(format!(
            "the API server accepts tokens for {:?} (--oidc-client-id / audiences)",
            issuer.audiences()
        )),
        (Check::Signature, _) => {
            let kid = Compact::parse(token).ok()?.key_id().to_string();
            let keys = issuer.keys().unwrap_or_default();
            let known: Vec<&str> = keys.iter().map(|k| k.key_id()).collect();
            Some(if kid.is_empty() {
                format!(
                    "the token has no kid, and none of the issuer's {} keys verifies it",
                    known.len()
                )
            } else if known.contains(&kid.as_str()) {
                format!(
                    "the issuer's key {kid:?} does not verify the signature: the token was altered, or signed by another key"
                )
            } else {
                format!(
                    "unknown kid {kid:?}: the issuer publishes {known:?} (signed by another key or another issuer?)"
                )
            })
        }
        (Check::Algorithm, _) => Some(format!(
            "allowed: {:?} (--oidc-signing-algs); never none or HS*",
            issuer.algorithms()
        )),
        _ => None,
    }
}

/// A ServiceAccount lookup that finds the objects a token is bound to (read from the token's
/// own claims): offline, `explain` cannot see the cluster's objects and says so.
struct AssumeBoundObjectsExist {
    claims: Map<String, Value>,
}

impl AssumeBoundObjectsExist {
    fn from_token(token: &str) -> Self {
        Self {
            claims: unverified_payload(token)
                .and_then(|p| p.get("kubernetes.io").and_then(Value::as_object).cloned())
                .unwrap_or_default(),
        }
    }

    fn uid(&self, kind: &str, namespace: &str, name: &str) -> Option<String> {
        let ns = self
            .claims
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let object = self.claims.get(kind)?;
        (ns == namespace && object["name"] == name)
            .then(|| object["uid"].as_str().unwrap_or_default().to_string())
    }
}

impl ServiceAccountLookup for AssumeBoundObjectsExist {
    fn service_account_uid(&self, namespace: &str, name: &str) -> Option<String> {
        self.uid("serviceaccount", namespace, name)
    }
    fn secret_uid(&self, namespace: &str, name: &str) -> Option<String> {
        self.uid("secret", namespace, name)
    }
    fn pod_uid(&self, namespace: &str, name: &str) -> Option<String> {
        self.uid("pod", namespace, name)
    }
    fn node_uid(&self, name: &str) -> Option<String> {
        let node = self.claims.get("node")?;
        (node["name"] == name).then(|| node["uid"].as_str().unwrap_or_default().to_string())
    }
}
