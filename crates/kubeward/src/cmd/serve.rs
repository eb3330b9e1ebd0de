//! `kubeward serve`: the API server, configured with kube-apiserver's flag names.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{ArgAction, Args};
use kubeward_authn::iam::ec2::{self, Ec2Settings};
use kubeward_authn::iam::{IamConfig, IamSettings};
use kubeward_authn::oidc::JwtConfig;
use kubeward_authn::oidc::config::{AuthenticationConfiguration, OidcFlags};
use kubeward_authn::{AuthenticatorConfig, ServiceAccountConfig};
use kubeward_server::{
    Authorizer, KubeletClientConfig, ServerConfig, ServiceAccountSigning, TokenWebhook,
    WebhookAuthorizer,
};
use kubeward_webhook::Version;
use kubeward_webhook::authorization_config::{self, AuthorizerSpec, LegacyFlags};

use super::leader_election::LeaderElectionArgs;
use super::storage::StorageArgs;

/// The API server's flags (kube-apiserver's names where the meaning is the same).
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The IP address to listen on (`serve`: 0.0.0.0; `up`: 127.0.0.1).
    #[arg(long)]
    pub bind_address: Option<IpAddr>,
    /// The port to serve HTTPS on (0: any free port).
    #[arg(long, default_value_t = 6443)]
    pub secure_port: u16,
    /// The serving certificate (PEM, leaf first).
    #[arg(long)]
    pub tls_cert_file: Option<PathBuf>,
    /// The serving certificate's key (PEM).
    #[arg(long)]
    pub tls_private_key_file: Option<PathBuf>,
    /// CA bundle that client certificates must chain to (x509 authentication).
    #[arg(long)]
    pub client_ca_file: Option<PathBuf>,
    /// Static tokens, in kube-apiserver's CSV format: token,user,uid,"group1,group2".
    #[arg(long)]
    pub token_auth_file: Option<PathBuf>,
    /// Issuer of ServiceAccount tokens (repeatable; the first one issues).
    #[arg(long = "service-account-issuer")]
    pub service_account_issuers: Vec<String>,
    /// Public (or private) keys that verify ServiceAccount tokens (repeatable).
    #[arg(long = "service-account-key-file")]
    pub service_account_key_files: Vec<PathBuf>,
    /// Private key that signs ServiceAccount tokens (TokenRequest).
    #[arg(long)]
    pub service_account_signing_key_file: Option<PathBuf>,
    /// Audiences of the API (defaults to the issuers).
    #[arg(long = "api-audiences", value_delimiter = ',')]
    pub api_audiences: Vec<String>,
    /// Allow anonymous requests (user system:anonymous, group system:unauthenticated).
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    pub anonymous_auth: bool,
    /// Authorizers in order, comma-separated: RBAC, AlwaysAllow, AlwaysDeny, Webhook, Node
    /// (kubeward has no kubelets: Node never has an opinion). Default RBAC.
    #[arg(long)]
    pub authorization_mode: Option<String>,
    /// The webhooks and caching of authorization.
    #[command(flatten)]
    pub authorization_webhook: AuthorizationWebhookArgs,
    /// The token webhook.
    #[command(flatten)]
    pub token_webhook: TokenWebhookArgs,
    /// CA certificate that signs approved CertificateSigningRequests (kube-controller-manager's flag).
    #[arg(long)]
    pub cluster_signing_cert_file: Option<PathBuf>,
    /// Key of the cluster signing CA.
    #[arg(long)]
    pub cluster_signing_key_file: Option<PathBuf>,
    /// Client certificate the API server presents to kubelets (`pods/log|exec|attach|portforward`).
    #[arg(long)]
    pub kubelet_client_certificate: Option<PathBuf>,
    /// Key of the kubelet client certificate.
    #[arg(long)]
    pub kubelet_client_key: Option<PathBuf>,
    /// CA bundle that kubelets' serving certificates must chain to.
    #[arg(long)]
    pub kubelet_certificate_authority: Option<PathBuf>,
    /// The JWT authenticators: `--oidc-*` or `--authentication-config`.
    #[command(flatten)]
    pub oidc: OidcArgs,
    /// EKS-style IAM tokens (`--aws-iam-*`).
    #[command(flatten)]
    pub iam: IamArgs,
    /// Where the server keeps its database (with --storage-backend=redb) and files.
    #[arg(long, default_value = "./kubeward-data")]
    pub data_dir: PathBuf,
    /// Reads served at once (0: no limit); past it, 429 with Retry-After.
    #[arg(long, default_value_t = 400)]
    pub max_requests_inflight: usize,
    /// Writes served at once (0: no limit).
    #[arg(long, default_value_t = 200)]
    pub max_mutating_requests_inflight: usize,
    /// Connection limits.
    #[command(flatten)]
    pub connections: super::limits::ConnectionArgs,
    /// Where the objects are stored: the data directory, or etcd.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Which replica runs the controllers that act once per cluster (on etcd).
    #[command(flatten)]
    pub leader_election: LeaderElectionArgs,
    /// The audit log.
    #[command(flatten)]
    pub audit: super::audit::AuditArgs,
}

/// aws-iam-authenticator's server flags, under kubeward's `--aws-iam-` names (shared with
/// `kubeward auth explain`).
#[derive(Debug, Clone, Default, Args)]
pub struct IamArgs {
    /// Accept EKS-style IAM tokens (`aws eks get-token --cluster-name NAME`) for this cluster id:
    /// the value sent in the signed x-k8s-aws-id header.
    #[arg(long, value_name = "NAME")]
    pub aws_iam_cluster_id: Option<String>,
    /// Send the presigned GetCallerIdentity requests here instead of the token's STS host (the
    /// signed Host stays the STS host), e.g. the local AWS of `kubeward up`.
    #[arg(long, value_name = "URL", requires = "aws_iam_cluster_id")]
    pub aws_iam_sts_endpoint: Option<String>,
    /// The AWS partition whose STS hosts are accepted.
    #[arg(long, default_value = "aws", value_name = "PARTITION")]
    pub aws_iam_partition: String,
    /// The server's region: its default STS host names are accepted too.
    #[arg(long, default_value = "", value_name = "REGION")]
    pub aws_iam_region: String,
    /// CA bundle that verifies the STS endpoint (besides the system roots).
    #[arg(long, value_name = "FILE", requires = "aws_iam_cluster_id")]
    pub aws_iam_sts_ca_file: Option<PathBuf>,
    /// aws-iam-authenticator's configuration file whose server.mapRoles/mapUsers/mapAccounts
    /// map identities before access entries and the aws-auth ConfigMap.
    #[arg(long, value_name = "FILE", requires = "aws_iam_cluster_id")]
    pub aws_iam_mapping_file: Option<PathBuf>,
    /// Where to ask EC2's DescribeInstances for {{EC2PrivateDNSName}} (default: the regional
    /// endpoint of --aws-iam-region; `up`: its local AWS), with the server's own credentials.
    #[arg(long, value_name = "URL", requires = "aws_iam_cluster_id")]
    pub aws_iam_ec2_endpoint: Option<String>,
}

impl IamArgs {
    /// The IAM settings, when `--aws-iam-cluster-id` is given.
    pub fn settings(&self) -> anyhow::Result<Option<IamSettings>> {
        let Some(cluster_id) = &self.aws_iam_cluster_id else {
            return Ok(None);
        };
        let config = IamConfig {
            cluster_id: cluster_id.clone(),
            partition: self.aws_iam_partition.clone(),
            region: self.aws_iam_region.clone(),
            sts_endpoint: self.aws_iam_sts_endpoint.clone(),
        };
        config.validate().map_err(anyhow::Error::msg)?;
        let mapping_file = match &self.aws_iam_mapping_file {
            Some(path) => kubeward_authn::iam::file::parse(&read(path, "--aws-iam-mapping-file")?)
                .map_err(|e| anyhow::anyhow!("--aws-iam-mapping-file {}: {e}", path.display()))?,
            None => Default::default(),
        };
        Ok(Some(IamSettings {
            config,
            sts_ca_pem: read_opt(self.aws_iam_sts_ca_file.as_ref(), "--aws-iam-sts-ca-file")?,
            mapping_file,
            ec2: None,
        }))
    }

    /// Where and as whom the server asks EC2 for `{{EC2PrivateDNSName}}`: the endpoint of
    /// `--aws-iam-ec2-endpoint` or of `--aws-iam-region`, and the credentials of the
    /// environment. `None` (such mappings are refused) without an endpoint or credentials.
    pub fn ec2_settings(&self) -> anyhow::Result<Option<Ec2Settings>> {
        let endpoint = match &self.aws_iam_ec2_endpoint {
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => url.clone(),
            Some(url) => bail!("--aws-iam-ec2-endpoint {url:?}: expected an http(s) URL"),
            None => match ec2::default_endpoint(&self.aws_iam_partition, &self.aws_iam_region) {
                Some(url) => url,
                None => return Ok(None),
            },
        };
        let Some(credentials) = super::aws_credentials::from_environment() else {
            if self.aws_iam_ec2_endpoint.is_some() {
                bail!(
                    "--aws-iam-ec2-endpoint: no AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a shared credentials file)"
                );
            }
            tracing::warn!(
                %endpoint,
                "no AWS credentials for EC2: mappings with {{{{EC2PrivateDNSName}}}} are refused"
            );
            return Ok(None);
        };
        let region = if self.aws_iam_region.is_empty() {
            std::env::var("AWS_REGION")
                .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|_| "us-east-1".into())
        } else {
            self.aws_iam_region.clone()
        };
        Ok(Some(Ec2Settings {
            endpoint,
            region,
            access_key_id: credentials.access_key_id,
            secret_access_key: credentials.secret_access_key,
            session_token: credentials.session_token,
        }))
    }
}

/// kube-apiserver's OIDC flags and `--authentication-config` (shared with `kubeward auth explain`).
#[derive(Debug, Clone, Default, Args)]
pub struct OidcArgs {
    /// The URL of the OpenID issuer; only https. Its ID tokens authenticate users.
    #[arg(long)]
    pub oidc_issuer_url: Option<String>,
    /// The client ID that ID tokens must be issued for (their `aud`).
    #[arg(long)]
    pub oidc_client_id: Option<String>,
    /// CA bundle that signs the issuer's serving certificate (default: the system roots).
    #[arg(long)]
    pub oidc_ca_file: Option<PathBuf>,
    /// The claim that holds the user name (default `sub`).
    #[arg(long)]
    pub oidc_username_claim: Option<String>,
    /// Prefix of user names (default `<issuer-url>#` unless the claim is `email`; `-`: none).
    #[arg(long)]
    pub oidc_username_prefix: Option<String>,
    /// The claim that holds the user's groups (a string or an array of strings).
    #[arg(long)]
    pub oidc_groups_claim: Option<String>,
    /// Prefix of group names.
    #[arg(long)]
    pub oidc_groups_prefix: Option<String>,
    /// key=value: a claim the ID token must carry with this value (repeatable).
    #[arg(long = "oidc-required-claim")]
    pub oidc_required_claims: Vec<String>,
    /// Accepted signing algorithms, comma-separated (default RS256).
    #[arg(long, value_delimiter = ',')]
    pub oidc_signing_algs: Vec<String>,
    /// An AuthenticationConfiguration file (apiserver.config.k8s.io/v1 or v1beta1): JWT
    /// issuers with claim validation and mapping rules. Excludes the --oidc-* flags.
    #[arg(long)]
    pub authentication_config: Option<PathBuf>,
}

/// kube-apiserver's authorization webhook flags and `--authorization-config`.
#[derive(Debug, Clone, Default, Args)]
pub struct AuthorizationWebhookArgs {
    /// A kubeconfig-format file saying where the SubjectAccessReview webhook is
    /// (with --authorization-mode=…,Webhook).
    #[arg(long)]
    pub authorization_webhook_config_file: Option<PathBuf>,
    /// The SubjectAccessReview version to send and expect: v1 or v1beta1 (default v1beta1).
    #[arg(long)]
    pub authorization_webhook_version: Option<String>,
    /// How long an allow of the webhook is reused (Go duration; default 5m).
    #[arg(long, value_parser = parse_go_duration)]
    pub authorization_webhook_cache_authorized_ttl: Option<Duration>,
    /// How long a deny or no opinion of the webhook is reused (default 30s).
    #[arg(long, value_parser = parse_go_duration)]
    pub authorization_webhook_cache_unauthorized_ttl: Option<Duration>,
    /// An AuthorizationConfiguration file (apiserver.config.k8s.io/v1): the authorizers in
    /// order, several webhooks with match conditions and failure policies. Excludes
    /// --authorization-mode and the --authorization-webhook-* flags.
    #[arg(long)]
    pub authorization_config: Option<PathBuf>,
}

/// kube-apiserver's token webhook flags.
#[derive(Debug, Clone, Default, Args)]
pub struct TokenWebhookArgs {
    /// A kubeconfig-format file saying where the TokenReview webhook is; asked for bearer
    /// tokens the other authenticators turn down.
    #[arg(long)]
    pub authentication_token_webhook_config_file: Option<PathBuf>,
    /// The TokenReview version to send and expect: v1 or v1beta1.
    #[arg(long, default_value = "v1beta1")]
    pub authentication_token_webhook_version: String,
    /// How long the webhook's answers are reused (Go duration).
    #[arg(long, default_value = "2m", value_parser = parse_go_duration)]
    pub authentication_token_webhook_cache_ttl: Duration,
}

fn parse_go_duration(text: &str) -> Result<Duration, String> {
    kubeward_webhook::duration::parse(text).map_err(|e| e.to_string())
}

fn read(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{what} {}", path.display()))
}

fn read_opt(path: Option<&PathBuf>, what: &str) -> anyhow::Result<Option<String>> {
    path.map(|p| read(p, what)).transpose()
}

impl ServeArgs {
    /// The server configuration these flags describe; `default_bind` when no address is given.
    pub fn server_config(&self, default_bind: IpAddr) -> anyhow::Result<ServerConfig> {
        let authorization = self.authorizers()?;
        let token_webhook = self.token_webhook.config()?;
        let (Some(cert), Some(key)) = (&self.tls_cert_file, &self.tls_private_key_file) else {
            bail!("--tls-cert-file and --tls-private-key-file are required");
        };
        let tls_cert_pem = read(cert, "--tls-cert-file")?;
        let tls_key_pem = read(key, "--tls-private-key-file")?;
        let client_ca_pem = read_opt(self.client_ca_file.as_ref(), "--client-ca-file")?;
        let token_auth_csv = read_opt(self.token_auth_file.as_ref(), "--token-auth-file")?;
        let signing_key_pem = read_opt(
            self.service_account_signing_key_file.as_ref(),
            "--service-account-signing-key-file",
        )?;
        let mut verification_keys_pem = self
            .service_account_key_files
            .iter()
            .map(|p| read(p, "--service-account-key-file"))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if verification_keys_pem.is_empty()
            && let Some(signing) = &signing_key_pem
        {
            verification_keys_pem.push(signing.clone());
        }
        let audiences = if self.api_audiences.is_empty() {
            self.service_account_issuers.clone()
        } else {
            self.api_audiences.clone()
        };
        let service_accounts = (!self.service_account_issuers.is_empty()
            && !verification_keys_pem.is_empty())
        .then(|| ServiceAccountConfig {
            issuers: self.service_account_issuers.clone(),
            verification_keys_pem,
            audiences: audiences.clone(),
        });
        let service_account_signing = match (&signing_key_pem, self.service_account_issuers.first())
        {
            (Some(key), Some(issuer)) => Some(ServiceAccountSigning {
                issuer: issuer.clone(),
                signing_key_pem: key.clone(),
                audiences,
            }),
            _ => None,
        };
        let cluster_signing = match (
            &self.cluster_signing_cert_file,
            &self.cluster_signing_key_file,
        ) {
            (Some(cert), Some(key)) => Some((
                read(cert, "--cluster-signing-cert-file")?,
                read(key, "--cluster-signing-key-file")?,
            )),
            (None, None) => None,
            _ => bail!("--cluster-signing-cert-file and --cluster-signing-key-file go together"),
        };
        let kubelet_client = match (
            &self.kubelet_client_certificate,
            &self.kubelet_client_key,
            &self.kubelet_certificate_authority,
        ) {
            (Some(cert), Some(key), Some(ca)) => Some(KubeletClientConfig {
                cert_pem: read(cert, "--kubelet-client-certificate")?,
                key_pem: read(key, "--kubelet-client-key")?,
                ca_pem: read(ca, "--kubelet-certificate-authority")?,
            }),
            (None, None, None) => None,
            _ => bail!(
                "--kubelet-client-certificate, --kubelet-client-key and --kubelet-certificate-authority go together"
            ),
        };
        let jwt = self.oidc.jwt_config()?;
        self.storage.backend()?;
        let leader_election = self.leader_election.election(self.storage.shared())?;
        let audit = self.audit.options()?;
        crate::files::private_dir(&self.data_dir)
            .with_context(|| format!("creating {}", self.data_dir.display()))?;
        Ok(ServerConfig {
            bind_address: SocketAddr::new(
                self.bind_address.unwrap_or(default_bind),
                self.secure_port,
            ),
            tls_cert_pem,
            tls_key_pem,
            authentication: AuthenticatorConfig {
                client_ca_pem,
                token_auth_csv,
                service_accounts,
                anonymous: self.anonymous_auth,
                jwt,
                iam: match self.iam.settings()? {
                    Some(mut settings) => {
                        settings.ec2 = self.iam.ec2_settings()?;
                        Some(settings)
                    }
                    None => None,
                },
            },
            authorization,
            token_webhook,
            gateway: None,
            cluster_signing,
            service_account_signing,
            store_path: super::storage::store_path(&self.data_dir),
            max_requests_inflight: self.max_requests_inflight,
            max_mutating_requests_inflight: self.max_mutating_requests_inflight,
            limits: self.connections.limits(),
            kubelet_client,
            audit,
            leader_election,
            metrics_sources: Vec::new(),
        })
    }
}

impl OidcArgs {
    /// The JWT authenticators of `--authentication-config` or the `--oidc-*` flags.
    pub fn jwt_config(&self) -> anyhow::Result<Option<JwtConfig>> {
        let mut required_claims = Vec::new();
        for pair in &self.oidc_required_claims {
            let Some((key, value)) = pair.split_once('=') else {
                bail!("--oidc-required-claim: {pair:?} must be formatted as key=value");
            };
            required_claims.push((key.to_string(), value.to_string()));
        }
        let flags = OidcFlags {
            issuer_url: self.oidc_issuer_url.clone().unwrap_or_default(),
            client_id: self.oidc_client_id.clone().unwrap_or_default(),
            ca_pem: read_opt(self.oidc_ca_file.as_ref(), "--oidc-ca-file")?,
            username_claim: self.oidc_username_claim.clone(),
            username_prefix: self.oidc_username_prefix.clone(),
            groups_claim: self.oidc_groups_claim.clone(),
            groups_prefix: self.oidc_groups_prefix.clone(),
            required_claims,
            signing_algs: self.oidc_signing_algs.clone(),
        };
        match &self.authentication_config {
            Some(_) if flags.is_set() => {
                bail!("authentication-config file and oidc-* flags are mutually exclusive")
            }
            Some(path) => {
                let text = read(path, "--authentication-config")?;
                let file = AuthenticationConfiguration::parse(&text)
                    .with_context(|| format!("--authentication-config {}", path.display()))?;
                Ok(Some(JwtConfig::File(file)))
            }
            None if flags.is_set() => Ok(Some(JwtConfig::Flags(flags))),
            None => Ok(None),
        }
    }
}

impl ServeArgs {
    /// The authorizer chain (default RBAC).
    fn authorizers(&self) -> anyhow::Result<Vec<Authorizer>> {
        authorizers(
            self.authorization_mode.as_deref(),
            "RBAC",
            &self.authorization_webhook,
        )
    }
}

/// The authorizer chain: `--authorization-config`, or the legacy flags (`mode`, else
/// `default_mode`), with each webhook's kubeconfig read.
pub fn authorizers(
    mode: Option<&str>,
    default_mode: &str,
    webhook: &AuthorizationWebhookArgs,
) -> anyhow::Result<Vec<Authorizer>> {
    let specs = match &webhook.authorization_config {
        Some(path) => {
            let legacy = mode.is_some()
                || webhook.authorization_webhook_config_file.is_some()
                || webhook.authorization_webhook_version.is_some()
                || webhook.authorization_webhook_cache_authorized_ttl.is_some()
                || webhook
                    .authorization_webhook_cache_unauthorized_ttl
                    .is_some();
            if legacy {
                bail!(
                    "--authorization-config can not be specified when --authorization-mode or --authorization-webhook-* flags are defined"
                );
            }
            let text = read(path, "--authorization-config")?;
            authorization_config::parse(&text)
                .with_context(|| format!("--authorization-config {}", path.display()))?
        }
        None => {
            let defaults = LegacyFlags::default();
            let modes = mode.unwrap_or(default_mode);
            authorization_config::from_flags(&LegacyFlags {
                modes: modes
                    .split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(String::from)
                    .collect(),
                webhook_config_file: webhook
                    .authorization_webhook_config_file
                    .as_ref()
                    .map(|p| p.display().to_string()),
                webhook_version: webhook
                    .authorization_webhook_version
                    .clone()
                    .unwrap_or(defaults.webhook_version),
                authorized_ttl: webhook
                    .authorization_webhook_cache_authorized_ttl
                    .unwrap_or(defaults.authorized_ttl),
                unauthorized_ttl: webhook
                    .authorization_webhook_cache_unauthorized_ttl
                    .unwrap_or(defaults.unauthorized_ttl),
            })?
        }
    };
    specs
        .into_iter()
        .map(|spec| {
            Ok(match spec {
                AuthorizerSpec::Rbac => Authorizer::Rbac,
                AuthorizerSpec::AlwaysAllow => Authorizer::AlwaysAllow,
                AuthorizerSpec::AlwaysDeny => Authorizer::AlwaysDeny,
                AuthorizerSpec::Node => Authorizer::Node,
                AuthorizerSpec::Webhook(spec) => {
                    let connection = crate::webhook_kubeconfig::load(
                        Path::new(&spec.kubeconfig_file),
                        &format!("authorization webhook {:?}", spec.name),
                    )?;
                    Authorizer::Webhook(Box::new(WebhookAuthorizer { spec, connection }))
                }
            })
        })
        .collect()
}

impl TokenWebhookArgs {
    /// The token webhook, if configured.
    fn config(&self) -> anyhow::Result<Option<TokenWebhook>> {
        let Some(path) = &self.authentication_token_webhook_config_file else {
            return Ok(None);
        };
        let version = Version::authentication(&self.authentication_token_webhook_version)?;
        let connection =
            crate::webhook_kubeconfig::load(path, "--authentication-token-webhook-config-file")?;
        Ok(Some(TokenWebhook {
            connection,
            version,
            cache_ttl: self.authentication_token_webhook_cache_ttl,
        }))
    }
}

/// Runs `kubeward serve`.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    super::ports::check_free(&[super::ports::Wanted {
        what: "the API server",
        address: SocketAddr::new(
            args.bind_address
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            args.secure_port,
        ),
        flag: "--secure-port",
    }])?;
    let config = args.server_config(IpAddr::V4(Ipv4Addr::UNSPECIFIED))?;
    let runtime = super::runtime::server_runtime()?;
    let store = args.storage.open(&args.data_dir)?;
    let outcome = runtime.block_on(async {
        let mut signals = super::shutdown::Signals::install()?;
        let server = kubeward_server::Server::bind_with_store(config, store).await?;
        let address = server.local_addr()?;
        if let Some(identity) = server.leader_identity() {
            eprintln!("kubeward leader election: candidate {identity}");
        }
        eprintln!("kubeward API server listening on https://{address}");
        let audit = server.audit().map(|(_, backends)| backends);
        super::shutdown::serve_until_stopped("kubeward serve", &mut signals, server.serve()).await;
        super::shutdown::flush_audit(audit);
        anyhow::Ok(ExitCode::SUCCESS)
    })?;
    super::shutdown::stop_runtime(runtime, "kubeward serve");
    Ok(outcome)
}
