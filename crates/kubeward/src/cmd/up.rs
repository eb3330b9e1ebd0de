//! `kubeward up`: the embedded default. The first run creates the data directory (cluster CA,
//! serving certificate, ServiceAccount key, admin certificate and kubeconfig); every run serves
//! the API from it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use kubeward_authn::iam::ec2::Ec2Settings;
use kubeward_idp::audit_trail::AuditTrail;
use kubeward_idp::metrics::IdpMetrics;
use kubeward_pki::CertificateAuthority;
use kubeward_server::MetricsSource;
use time::OffsetDateTime;

use super::ports::{self, Wanted};
use super::serve::ServeArgs;
use super::{shutdown, up_aws, up_env, up_oidc};
use crate::files::{self, Access, write_atomic};
use crate::kubeconfig::{self, KubeconfigSpec};

/// The issuer of ServiceAccount tokens in `kubeward up`, as in most clusters.
const SERVICE_ACCOUNT_ISSUER: &str = "https://kubernetes.default.svc";
/// How long the admin certificate is valid (kubeadm's default).
const ADMIN_CERT_VALIDITY: Duration = Duration::from_secs(365 * 24 * 3600);

/// `kubeward up` flags: `serve`'s, plus the names the serving certificate must carry.
#[derive(Debug, Args)]
pub struct UpArgs {
    /// The API server flags; files not given are created in the data directory.
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Extra DNS names or IP addresses for the serving certificate (repeatable).
    #[arg(long = "tls-san")]
    pub tls_sans: Vec<String>,
    /// Where the identity provider listens: a port, or address:port (0: any free port).
    #[arg(long = "idp-port", default_value = "127.0.0.1:8443")]
    pub idp_port: String,
    /// PEM certificates (files, or directories of them) the identity provider trusts besides
    /// the system's roots when it calls upstream identity providers and LDAPS servers (Keycloak's
    /// --truststore-paths; comma-separated or repeated).
    #[arg(long = "idp-truststore-paths", value_delimiter = ',')]
    pub idp_truststore: Vec<PathBuf>,
    /// Run a lab node in the same process: a kubelet that registers a Node, binds pending pods
    /// to itself and runs their containers' commands as local processes of your user, with no
    /// isolation of any kind (loopback only).
    #[arg(long = "lab-node")]
    pub lab_node: bool,
    /// The lab node's name.
    #[arg(long = "lab-node-name", default_value = "lab", requires = "lab_node")]
    pub lab_node_name: String,
    /// Where the local AWS (IAM and STS) listens when --aws-iam-cluster-id is given without
    /// --aws-iam-sts-endpoint: a port, or address:port (0: any free port).
    #[arg(long = "aws-port", default_value = "127.0.0.1:4599")]
    pub aws_port: String,
    /// Print shell exports for the data directory of a kubeward up (KUBECONFIG,
    /// KUBEWARD_SERVER, KUBEWARD_CA, KUBEWARD_IDP, KUBEWARD_ISSUER, KUBEWARD_DATA_DIR) and exit,
    /// starting nothing: eval "$(kubeward up --print-env)".
    #[arg(long)]
    pub print_env: bool,
    /// At each start, add the cluster `kubeward`, its admin and OIDC users and their contexts
    /// (`kubeward`, made current, and `kubeward-oidc`) to your kubeconfig: the first file of
    /// $KUBECONFIG, else ~/.kube/config (as kind does).
    #[arg(long)]
    pub merge_kubeconfig: bool,
    /// Also run a gateway (`kubeward gateway`) in front of the cluster of this kubeconfig (its
    /// current context; that identity must be allowed to impersonate): it trusts this
    /// provider's tokens and this CA's certificates and forwards as the user, and
    /// `<data-dir>/gateway.kubeconfig` reaches it with kubectl oidc-login.
    #[arg(long)]
    pub gateway_upstream_kubeconfig: Option<PathBuf>,
    /// Where the gateway listens: a port, or address:port (0: any free port).
    #[arg(
        long = "gateway-port",
        default_value = "127.0.0.1:6444",
        requires = "gateway_upstream_kubeconfig"
    )]
    pub gateway_port: String,
}

/// `--idp-port`/`--aws-port`: `8443` or `127.0.0.1:8443`.
fn listen_address(flag: &str, value: &str) -> anyhow::Result<std::net::SocketAddr> {
    if let Ok(port) = value.parse::<u16>() {
        return Ok((Ipv4Addr::LOCALHOST, port).into());
    }
    value
        .parse()
        .with_context(|| format!("{flag} {value:?}: expected a port or address:port"))
}

/// The fixed places of the data directory.
struct Layout {
    pki: PathBuf,
    admin_kubeconfig: PathBuf,
}

impl Layout {
    fn new(data_dir: &Path) -> Self {
        Self {
            pki: data_dir.join("pki"),
            admin_kubeconfig: data_dir.join("admin.kubeconfig"),
        }
    }

    fn pki(&self, name: &str) -> PathBuf {
        self.pki.join(name)
    }
}

/// Runs `kubeward up`.
pub fn run(mut args: UpArgs) -> anyhow::Result<ExitCode> {
    // Every path `up` prints or writes into a file is absolute: they work from any directory.
    let data_dir = std::path::absolute(&args.serve.data_dir)
        .with_context(|| format!("--data-dir {}", args.serve.data_dir.display()))?;
    args.serve.data_dir = data_dir.clone();
    if args.print_env {
        print!("{}", up_env::render(&up_env::read(&data_dir)?));
        return Ok(ExitCode::SUCCESS);
    }
    // Known before anything starts, so that a bad environment stops nothing half-way.
    let merge_target = match args.merge_kubeconfig {
        true => Some(up_env::user_kubeconfig()?),
        false => None,
    };
    let idp_listen = listen_address("--idp-port", &args.idp_port)?;
    let aws_listen = listen_address("--aws-port", &args.aws_port)?;
    let truststore =
        super::idp::read_truststore(&args.idp_truststore).context("--idp-truststore-paths")?;
    let gateway_listen = listen_address("--gateway-port", &args.gateway_port)?;
    let gateway_upstream = args
        .gateway_upstream_kubeconfig
        .as_deref()
        .map(std::path::absolute)
        .transpose()
        .context("--gateway-upstream-kubeconfig")?;
    let api_listen = SocketAddr::new(
        args.serve
            .bind_address
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        args.serve.secure_port,
    );
    // Nothing is created before the ports are known to be free.
    let mut wanted = vec![
        Wanted {
            what: "the API server",
            address: api_listen,
            flag: "--secure-port",
        },
        Wanted {
            what: "the identity provider",
            address: idp_listen,
            flag: "--idp-port",
        },
    ];
    if gateway_upstream.is_some() {
        wanted.push(Wanted {
            what: "the gateway",
            address: gateway_listen,
            flag: "--gateway-port",
        });
    }
    ports::check_free(&wanted)?;
    files::private_dir(&data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    if let Some(mode) = files::shared(&data_dir) {
        eprintln!(
            "Warning: {} has mode {mode:04o}; it holds keys and password hashes: chmod 700 {0}",
            data_dir.display()
        );
    }
    let layout = Layout::new(&data_dir);
    provision(&layout, &args.tls_sans)?;
    let serve = &mut args.serve;
    serve
        .tls_cert_file
        .get_or_insert_with(|| layout.pki("apiserver.crt"));
    serve
        .tls_private_key_file
        .get_or_insert_with(|| layout.pki("apiserver.key"));
    serve
        .client_ca_file
        .get_or_insert_with(|| layout.pki("ca.crt"));
    if serve.service_account_issuers.is_empty() {
        serve
            .service_account_issuers
            .push(SERVICE_ACCOUNT_ISSUER.to_string());
    }
    serve
        .service_account_signing_key_file
        .get_or_insert_with(|| layout.pki("sa.key"));
    if serve.cluster_signing_cert_file.is_none() && serve.cluster_signing_key_file.is_none() {
        serve.cluster_signing_cert_file = Some(layout.pki("ca.crt"));
        serve.cluster_signing_key_file = Some(layout.pki("ca.key"));
    }
    if args.lab_node {
        super::up_lab::provision(&layout.pki, &args.lab_node_name)?;
        super::up_lab::trust_kubelets(serve, &layout.pki);
    }
    let local_aws =
        serve.iam.aws_iam_cluster_id.is_some() && serve.iam.aws_iam_sts_endpoint.is_none();
    // Unless told otherwise, the API server trusts the built-in provider's realm.
    let trusts_own_idp =
        serve.oidc.oidc_issuer_url.is_none() && serve.oidc.authentication_config.is_none();
    // The flags are checked before anything listens.
    let mut config = serve.server_config(IpAddr::V4(Ipv4Addr::LOCALHOST))?;
    let store = serve.storage.open(&data_dir)?;
    let runtime = super::runtime::server_runtime()?;
    let outcome = runtime.block_on(async {
        let mut signals = shutdown::Signals::install()?;
        let idp = super::idp::start(
            store.clone(),
            super::idp::StartOptions {
                data_dir: &data_dir,
                listen: idp_listen,
                tls: None,
                public_url: None,
                import: &[],
                generated: vec![up_oidc::realm()?],
                limits: serve.connections.limits(),
                max_requests_inflight: kubeward_idp::http::inflight::DEFAULT_MAX_REQUESTS_INFLIGHT,
                shared: serve.storage.shared(),
                truststore,
                metrics: None,
            },
        )
        .await
        .context("starting the identity provider")?;
        // The provider's metrics are served on the API server's /metrics.
        let idp_metrics = Arc::new(IdpMetrics::new());
        idp.add_listener(idp_metrics.clone());
        config
            .metrics_sources
            .push(MetricsSource(Arc::new(move |out| idp_metrics.encode(out))));
        let ca_pem = read(&layout.pki("ca.crt"))?;
        if trusts_own_idp {
            // The provider's port is known only now that it listens.
            config.authentication.jwt = Some(up_oidc::write_authentication_config(
                &data_dir, &idp.url, &ca_pem,
            )?);
        }
        let aws = if local_aws {
            Some(up_aws::start(&store, &data_dir, aws_listen).await?)
        } else {
            None
        };
        if let (Some(settings), Some(aws)) = (config.authentication.iam.as_mut(), &aws) {
            // The API server sends the tokens' presigned requests to the local STS.
            settings.config.sts_endpoint = Some(aws.url.clone());
            settings.sts_ca_pem = Some(ca_pem.clone());
            if serve.iam.aws_iam_ec2_endpoint.is_none() {
                // …and asks the local EC2 for `{{EC2PrivateDNSName}}`, as the account's root.
                settings.ec2 = Some(Ec2Settings {
                    endpoint: aws.url.clone(),
                    region: if settings.config.region.is_empty() {
                        "us-east-1".into()
                    } else {
                        settings.config.region.clone()
                    },
                    access_key_id: aws.root.access_key_id.clone(),
                    secret_access_key: aws.root.secret_access_key.clone(),
                    session_token: None,
                });
            }
        }
        let cluster_id = config
            .authentication
            .iam
            .as_ref()
            .map(|s| s.config.cluster_id.clone());
        let gateway_authentication = config.authentication.clone();
        let server = kubeward_server::Server::bind_with_store(config, store).await?;
        // The provider's events go to the API server's audit log.
        if let Some((policy, backends)) = server.audit() {
            idp.add_listener(Arc::new(AuditTrail::new(policy, backends)));
        }
        let address = server.local_addr()?;
        let host = if address.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            address.ip().to_string()
        };
        let url = format!("https://{host}:{}", address.port());
        write_admin_kubeconfig(&layout, &url)?;
        if let (Some(aws), Some(name)) = (&aws, &cluster_id) {
            #[allow(clippy::disallowed_methods)] // The command line is where the clock is read.
            let now = std::time::SystemTime::now();
            aws.describe_cluster(name, &url, &ca_pem, now);
        }
        let oidc_kubeconfig = match idp.client_secret(up_oidc::REALM, up_oidc::CLIENT_ID) {
            Some(secret) if trusts_own_idp => Some(up_oidc::write_kubeconfig(
                &data_dir.join(up_oidc::KUBECONFIG_FILE),
                &url,
                &ca_pem,
                &idp.url,
                &secret,
            )?),
            _ => None,
        };
        let gateway = match &gateway_upstream {
            Some(upstream) => {
                let (gateway_url, upstream_url) =
                    super::gateway::start_embedded(super::gateway::Embedded {
                        upstream_kubeconfig: upstream,
                        listen: gateway_listen,
                        tls: (
                            read(&layout.pki("apiserver.crt"))?,
                            read(&layout.pki("apiserver.key"))?,
                        ),
                        authentication: gateway_authentication,
                        limits: serve.connections.limits(),
                    })
                    .await
                    .context("starting the gateway")?;
                let kubeconfig = match idp.client_secret(up_oidc::REALM, up_oidc::CLIENT_ID) {
                    Some(secret) if trusts_own_idp => Some(up_oidc::write_kubeconfig(
                        &data_dir.join(up_oidc::GATEWAY_KUBECONFIG_FILE),
                        &gateway_url,
                        &ca_pem,
                        &idp.url,
                        &secret,
                    )?),
                    _ => None,
                };
                Some((gateway_url, upstream_url, kubeconfig))
            }
            None => None,
        };
        if let Some(identity) = server.leader_identity() {
            println!("Leader election: candidate {identity}");
        }
        if let Some(target) = &merge_target {
            up_env::merge_into(target, &layout.admin_kubeconfig, oidc_kubeconfig.as_deref())?;
            println!(
                "Merged into {}: contexts {} (now current) and {}.",
                target.display(),
                up_env::MERGED_ADMIN.context,
                up_env::MERGED_OIDC.context
            );
        }
        if let (Some(aws), Some(cluster_id)) = (&aws, &cluster_id) {
            up_aws::print_banner(aws, &data_dir, cluster_id);
        }
        print_banner(
            &layout,
            &url,
            &idp,
            &data_dir,
            oidc_kubeconfig.as_deref(),
            gateway.as_ref(),
        );
        tracing::info!(api_server = %url, identity_provider = %idp.url, "kubeward up is serving");
        let audit = server.audit().map(|(_, backends)| backends);
        if args.lab_node {
            let serving = tokio::spawn(server.serve());
            let node =
                super::up_lab::start(&layout.pki, &data_dir, &url, &args.lab_node_name).await?;
            super::up_lab::print_banner(&args.lab_node_name, node.address());
            let serving = async {
                let _ = serving.await;
            };
            shutdown::serve_until_stopped("kubeward up", &mut signals, serving).await;
            shutdown::flush_audit(audit);
            // The pods' processes are the node's children: stop them before going away.
            node.shutdown().await;
            return anyhow::Ok(ExitCode::SUCCESS);
        }
        shutdown::serve_until_stopped("kubeward up", &mut signals, server.serve()).await;
        shutdown::flush_audit(audit);
        anyhow::Ok(ExitCode::SUCCESS)
    })?;
    shutdown::stop_runtime(runtime, "kubeward up");
    Ok(outcome)
}

/// Creates whatever the data directory lacks; never replaces an existing key. The
/// ServiceAccount key, an RSA key whose generation takes the longest, is made on its own thread
/// while the certificates are.
fn provision(layout: &Layout, extra_sans: &[String]) -> anyhow::Result<()> {
    files::private_dir(&layout.pki)
        .with_context(|| format!("creating {}", layout.pki.display()))?;
    std::thread::scope(|scope| {
        let service_account_key = scope.spawn(|| provision_service_account_key(layout));
        let certificates = provision_certificates(layout, extra_sans);
        let service_account_key = service_account_key
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("creating the ServiceAccount signing key")));
        certificates.and(service_account_key)
    })
}

/// The ServiceAccount token signing key and its public half, unless they exist.
fn provision_service_account_key(layout: &Layout) -> anyhow::Result<()> {
    let sa_key = layout.pki("sa.key");
    if !sa_key.exists() {
        let key = kubeward_pki::generate_service_account_key()
            .context("creating the ServiceAccount signing key")?;
        let public = kubeward_pki::public_key_pem(&key)?;
        write_atomic(&layout.pki("sa.pub"), public.as_bytes(), Access::Public)?;
        write_atomic(&sa_key, key.as_bytes(), Access::Secret)?;
    }
    Ok(())
}

/// The cluster CA, the serving certificate and the admin's client certificate, unless they exist.
fn provision_certificates(layout: &Layout, extra_sans: &[String]) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let ca_cert = layout.pki("ca.crt");
    let ca_key = layout.pki("ca.key");
    let ca = if ca_cert.exists() && ca_key.exists() {
        CertificateAuthority::from_pem(&read(&ca_cert)?, &read(&ca_key)?)
            .context("loading the cluster CA")?
    } else {
        let ca =
            CertificateAuthority::generate("kubernetes", now).context("creating the cluster CA")?;
        write_atomic(&ca_key, ca.key_pem().as_bytes(), Access::Secret)?;
        write_atomic(&ca_cert, ca.cert_pem().as_bytes(), Access::Public)?;
        ca
    };
    let serving_cert = layout.pki("apiserver.crt");
    if !serving_cert.exists() {
        let mut sans: Vec<String> = [
            "localhost",
            "127.0.0.1",
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        sans.extend(extra_sans.iter().cloned());
        let issued = ca
            .issue_serving(&sans, now)
            .context("issuing the serving certificate")?;
        write_atomic(
            &layout.pki("apiserver.key"),
            issued.key_pem.as_bytes(),
            Access::Secret,
        )?;
        write_atomic(&serving_cert, issued.cert_pem.as_bytes(), Access::Public)?;
    }
    let admin_cert = layout.pki("admin.crt");
    if !admin_cert.exists() {
        let issued = ca
            .issue_client(
                "kubernetes-admin",
                &["system:masters".to_string()],
                now,
                ADMIN_CERT_VALIDITY,
            )
            .context("issuing the admin certificate")?;
        write_atomic(
            &layout.pki("admin.key"),
            issued.key_pem.as_bytes(),
            Access::Secret,
        )?;
        write_atomic(&admin_cert, issued.cert_pem.as_bytes(), Access::Public)?;
    }
    Ok(())
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn write_admin_kubeconfig(layout: &Layout, server: &str) -> anyhow::Result<()> {
    let ca = read(&layout.pki("ca.crt"))?;
    let certificate = read(&layout.pki("admin.crt"))?;
    let key = read(&layout.pki("admin.key"))?;
    let rendered = kubeconfig::render(&KubeconfigSpec {
        cluster_name: "kubernetes",
        server,
        ca_pem: &ca,
        user_name: "kubernetes-admin",
        client_certificate_pem: &certificate,
        client_key_pem: &key,
    })?;
    write_atomic(
        &layout.admin_kubeconfig,
        rendered.as_bytes(),
        Access::Secret,
    )?;
    Ok(())
}

fn print_banner(
    layout: &Layout,
    url: &str,
    idp: &super::idp::IdpHandle,
    data_dir: &Path,
    oidc_kubeconfig: Option<&Path>,
    gateway: Option<&(String, String, Option<PathBuf>)>,
) {
    let kubeconfig = layout.admin_kubeconfig.display();
    let ca = layout.pki("ca.crt");
    println!("kubeward is up.");
    println!();
    println!("API server: {url}");
    println!("admin kubeconfig: {kubeconfig}");
    println!("cluster CA: {}", ca.display());
    super::idp::print_banner(idp, data_dir);
    if let Some(path) = oidc_kubeconfig {
        let [issuer, _] = up_oidc::issuers(&idp.url);
        println!("OIDC issuer trusted by the API server: {issuer}");
        println!("OIDC kubeconfig (kubectl oidc-login): {}", path.display());
    }
    if let Some((gateway_url, upstream_url, kubeconfig)) = gateway {
        println!("Gateway: {gateway_url} in front of {upstream_url}");
        if let Some(path) = kubeconfig {
            println!(
                "Gateway kubeconfig (kubectl oidc-login): {}",
                path.display()
            );
        }
    }
    println!(
        "Browsers: trust the cluster CA to open the sign-in pages without a certificate warning ({}).",
        trust_hint(&ca)
    );
    println!("Stop with Ctrl-C (SIGINT) or SIGTERM.");
    println!();
    println!("Try:");
    println!("  export KUBECONFIG={kubeconfig}");
    println!("  kubectl auth whoami");
}

/// How to make a browser trust `ca`: Chromium and Firefox on Linux read the NSS database.
fn trust_hint(ca: &Path) -> String {
    format!(
        "certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n kubeward -i {}; or import it under Settings › Privacy and security › Manage certificates › Authorities",
        ca.display()
    )
}
