//! `kubeward idp serve`, and [`start`] that `kubeward up` calls: bootstrap the master realm,
//! set up TLS (given files, or a certificate from the data directory's CA), bind, serve.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use kubeward_idp::audit_trail::AuditTrail;
use kubeward_idp::bootstrap::{self, Bootstrap};
use kubeward_idp::directory::Directory;
use kubeward_idp::events::listener::EventListener;
use kubeward_idp::metrics::IdpMetrics;
use kubeward_idp::provider::{Provider, RandomMinter};
use kubeward_idp::representation::RealmRepresentation;
use kubeward_pki::CertificateAuthority;
use kubeward_store::Store;
use time::OffsetDateTime;
use tower::ServiceExt as _;

use super::super::shutdown;
use super::data::{DataDir, URL_FILE};
use super::realm_file;
use crate::files::{Access, write_atomic};

/// `kubeward idp serve` flags.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    data: DataDir,
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// Serving certificate (PEM); without it one is issued by the data directory's CA.
    #[arg(long, requires = "tls_private_key_file")]
    tls_cert_file: Option<PathBuf>,
    /// Key of the serving certificate.
    #[arg(long, requires = "tls_cert_file")]
    tls_private_key_file: Option<PathBuf>,
    /// The URL clients reach the provider at (the start of every issuer), e.g.
    /// https://auth.example.com; default https://<listen address>.
    #[arg(long)]
    public_url: Option<String>,
    /// Keycloak realm files to import at start when their realm does not exist (repeatable).
    #[arg(long = "import-realm")]
    import: Vec<PathBuf>,
    /// PEM certificates (files, or directories of them) trusted besides the system's roots
    /// when calling upstream identity providers (Keycloak's --truststore-paths; comma-separated
    /// or repeated).
    #[arg(long = "truststore-paths", value_delimiter = ',')]
    truststore: Vec<PathBuf>,
    /// Connection limits.
    #[command(flatten)]
    connections: super::super::limits::ConnectionArgs,
    /// Requests served at once at most (0: no limit); past it a request gets 429 with
    /// `Retry-After`, as the API server's budget answers.
    #[arg(long, default_value_t = kubeward_idp::http::inflight::DEFAULT_MAX_REQUESTS_INFLIGHT)]
    max_requests_inflight: usize,
    /// Serve the provider's metrics on /metrics (Keycloak's flag; logins, failures, tokens by
    /// grant, refresh token reuse, lockouts).
    #[arg(long, default_value_t = false, num_args = 0..=1, default_missing_value = "true",
          action = clap::ArgAction::Set)]
    metrics_enabled: bool,
    /// The provider's events (logins, tokens, refreshes, logouts, failures, admin changes) in
    /// an audit log, as the API server writes it.
    #[command(flatten)]
    audit: super::super::audit::AuditArgs,
}

/// A running provider.
pub struct IdpHandle {
    /// `https://host:port`.
    pub url: String,
    /// The address it listens on (behind `url` when a public URL was given).
    pub address: SocketAddr,
    /// What bootstrap did (to tell the user).
    pub bootstrap: Bootstrap,
    provider: Arc<Provider>,
}

impl IdpHandle {
    /// Adds a listener that hears every event of the provider from now on.
    pub fn add_listener(&self, listener: Arc<dyn EventListener>) {
        self.provider.add_listener(listener);
    }

    /// The secret of a confidential client, as the provider holds it now.
    pub fn client_secret(&self, realm: &str, client_id: &str) -> Option<String> {
        let realm = self.provider.directory().realm(realm)?;
        realm
            .clients
            .iter()
            .find(|c| c.client_id == client_id)
            .and_then(|c| c.secret.clone())
    }
}

/// Everything [`start`] needs.
pub struct StartOptions<'a> {
    /// The data directory.
    pub data_dir: &'a Path,
    /// Listen address.
    pub listen: SocketAddr,
    /// Certificate and key PEM, or `None` for one from the data directory's CA.
    pub tls: Option<(String, String)>,
    /// Public URL override.
    pub public_url: Option<String>,
    /// Realm files to import.
    pub import: &'a [PathBuf],
    /// Connection limits of the listener.
    pub limits: kubeward_net::Limits,
    /// Requests served at once at most (0: no limit).
    pub max_requests_inflight: usize,
    /// Realms made by the caller, imported like the files when they do not exist yet.
    pub generated: Vec<RealmRepresentation>,
    /// Other providers share the store (etcd): follow their changes, and make every change of
    /// a realm or a session a compare-and-swap.
    pub shared: bool,
    /// Certificates (PEM) trusted besides the system's roots when calling upstream identity
    /// providers.
    pub truststore: Vec<u8>,
    /// Metrics counted and served on the provider's own `/metrics`.
    pub metrics: Option<Arc<IdpMetrics>>,
}

/// The PEM certificates of files and directories of them, concatenated.
pub fn read_truststore(paths: &[PathBuf]) -> anyhow::Result<Vec<u8>> {
    let mut pem = Vec::new();
    for path in paths {
        let files: Vec<PathBuf> = if path.is_dir() {
            let mut listed: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("reading {}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            listed.sort();
            listed
        } else {
            vec![path.clone()]
        };
        for file in files {
            let mut bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            bytes.push(b'\n');
            pem.extend(bytes);
        }
    }
    Ok(pem)
}

/// Bootstraps, binds and spawns the provider on the current tokio runtime.
pub async fn start(store: Arc<dyn Store>, options: StartOptions<'_>) -> anyhow::Result<IdpHandle> {
    let directory = if options.shared {
        Directory::open_shared(store)
    } else {
        Directory::open(store)
    }
    .context("reading the identity provider's realms")?;
    directory
        .upgrade(&mut RandomMinter)
        .context("upgrading the identity provider's realms")?;
    let admin = match (
        std::env::var("KC_BOOTSTRAP_ADMIN_USERNAME").ok(),
        std::env::var("KC_BOOTSTRAP_ADMIN_PASSWORD").ok(),
    ) {
        (Some(u), Some(p)) if !u.is_empty() && !p.is_empty() => Some((u, p)),
        _ => None,
    };
    let millis = OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let outcome = bootstrap::ensure_master(&directory, admin, &mut RandomMinter, millis)
        .context("creating the master realm")?;
    if let Bootstrap::Created {
        generated_password: Some(password),
        ..
    } = &outcome
    {
        write_atomic(
            &options.data_dir.join("idp-admin-password"),
            format!("{password}\n").as_bytes(),
            Access::Secret,
        )
        .context("writing idp-admin-password")?;
    }
    for file in options.import {
        realm_file::import_missing(&directory, &realm_file::read(file)?)?;
    }
    for rep in &options.generated {
        realm_file::import_missing(&directory, rep)?;
    }
    let (cert, key) = match options.tls {
        Some(pair) => pair,
        None => own_certificate(options.data_dir, options.listen)?,
    };
    let acceptor = kubeward_net::acceptor(&cert, &key, kubeward_net::ClientAuth::None)?;
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("listening on {}", options.listen))?;
    let address = listener.local_addr()?;
    let host = if address.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else if address.is_ipv6() {
        format!("[{}]", address.ip())
    } else {
        address.ip().to_string()
    };
    let url = options
        .public_url
        .unwrap_or_else(|| format!("https://{host}:{}", address.port()));
    let provider = Provider::with_truststore(directory, &options.truststore)
        .map_err(|e| anyhow::anyhow!("the truststore: {e}"))?;
    let provider = Arc::new(provider);
    let mut app = kubeward_idp::http::router(provider.clone(), &url);
    if let Some(metrics) = options.metrics {
        provider.add_listener(metrics.clone());
        app = app.merge(kubeward_idp::http::metrics_route(metrics));
    }
    let app = kubeward_idp::http::inflight::limit(app, options.max_requests_inflight);
    let handler = move |mut request: http::Request<hyper::body::Incoming>,
                        connection: Arc<kubeward_net::ConnectionInfo>| {
        let app = app.clone();
        if let Some(peer) = connection.peer {
            kubeward_idp::http::observe::set_peer(&mut request, peer);
        }
        async move {
            match app.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        }
    };
    tokio::spawn(kubeward_net::serve(
        listener,
        Some(acceptor),
        options.limits,
        handler,
        std::future::pending(),
    ));
    tokio::spawn(periodic_ldap_syncs(provider.clone()));
    write_atomic(
        &options.data_dir.join(URL_FILE),
        format!("{url}\n").as_bytes(),
        Access::Public,
    )
    .with_context(|| format!("writing {URL_FILE}"))?;
    Ok(IdpHandle {
        url,
        address,
        bootstrap: outcome,
        provider,
    })
}

/// How often the LDAP providers' sync periods (`fullSyncPeriod`, `changedSyncPeriod`) are
/// looked at.
const LDAP_SYNC_TICK: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs the LDAP syncs that are due and forgets expired codes and logins, on a blocking thread
/// (the LDAP client blocks), forever.
async fn periodic_ldap_syncs(provider: Arc<Provider>) {
    let mut tick = tokio::time::interval(LDAP_SYNC_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let p = provider.clone();
        let now = kubeward_idp::http::clock::now();
        let _ = tokio::task::spawn_blocking(move || {
            p.periodic_syncs(now);
            p.sweep(now);
        })
        .await;
    }
}

/// The provider's certificate from the data directory's CA (created if missing), for
/// localhost, 127.0.0.1 and the listen address.
fn own_certificate(data_dir: &Path, listen: SocketAddr) -> anyhow::Result<(String, String)> {
    let pki = data_dir.join("pki");
    crate::files::private_dir(&pki).with_context(|| format!("creating {}", pki.display()))?;
    let (ca_cert, ca_key) = (pki.join("ca.crt"), pki.join("ca.key"));
    let now = OffsetDateTime::now_utc();
    let ca = if ca_cert.exists() && ca_key.exists() {
        CertificateAuthority::from_pem(
            &std::fs::read_to_string(&ca_cert)?,
            &std::fs::read_to_string(&ca_key)?,
        )
        .context("loading the CA")?
    } else {
        let ca = CertificateAuthority::generate("kubernetes", now).context("creating a CA")?;
        write_atomic(&ca_key, ca.key_pem().as_bytes(), Access::Secret)?;
        write_atomic(&ca_cert, ca.cert_pem().as_bytes(), Access::Public)?;
        ca
    };
    let (cert_path, key_path) = (pki.join("idp.crt"), pki.join("idp.key"));
    if cert_path.exists() && key_path.exists() {
        return Ok((
            std::fs::read_to_string(&cert_path)?,
            std::fs::read_to_string(&key_path)?,
        ));
    }
    let mut sans = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    if !listen.ip().is_unspecified() {
        sans.push(listen.ip().to_string());
    }
    let issued = ca
        .issue_serving(&sans, now)
        .context("issuing the identity provider's certificate")?;
    write_atomic(&key_path, issued.key_pem.as_bytes(), Access::Secret)?;
    write_atomic(&cert_path, issued.cert_pem.as_bytes(), Access::Public)?;
    Ok((issued.cert_pem, issued.key_pem))
}

/// Tells the user where the provider is and how to log in as its admin.
pub fn print_banner(handle: &IdpHandle, data_dir: &Path) {
    println!("IdP: {}", handle.url);
    if !handle.url.ends_with(&format!(":{}", handle.address.port())) {
        println!("IdP listening on: {}", handle.address);
    }
    println!("IdP issuer (master realm): {}/realms/master", handle.url);
    println!("IdP admin console: {}/admin/console/", handle.url);
    match &handle.bootstrap {
        Bootstrap::Created {
            username,
            generated_password: Some(_),
        } => println!(
            "IdP admin: {username} (password in {})",
            data_dir.join("idp-admin-password").display()
        ),
        Bootstrap::Created { username, .. } => {
            println!("IdP admin: {username} (from KC_BOOTSTRAP_ADMIN_USERNAME/PASSWORD)")
        }
        Bootstrap::Existing => {}
    }
}

/// Runs `kubeward idp serve`.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let data_dir = std::path::absolute(&args.data.data_dir)
        .with_context(|| format!("--data-dir {}", args.data.data_dir.display()))?;
    super::super::ports::check_free(&[super::super::ports::Wanted {
        what: "the identity provider",
        address: args.listen,
        flag: "--listen",
    }])?;
    args.data.storage.backend()?;
    let tls = match (&args.tls_cert_file, &args.tls_private_key_file) {
        (Some(c), Some(k)) => Some((
            std::fs::read_to_string(c).with_context(|| format!("reading {}", c.display()))?,
            std::fs::read_to_string(k).with_context(|| format!("reading {}", k.display()))?,
        )),
        _ => None,
    };
    let truststore = read_truststore(&args.truststore)?;
    let audit = args.audit.options()?;
    let runtime = super::super::runtime::server_runtime()?;
    let store = args.data.storage.open(&data_dir)?;
    let shared = args.data.storage.shared();
    let outcome = runtime.block_on(async move {
        let handle = start(
            store,
            StartOptions {
                data_dir: &data_dir,
                listen: args.listen,
                tls,
                public_url: args.public_url,
                import: &args.import,
                generated: Vec::new(),
                limits: args.connections.limits(),
                max_requests_inflight: args.max_requests_inflight,
                shared,
                truststore,
                metrics: args.metrics_enabled.then(|| Arc::new(IdpMetrics::new())),
            },
        )
        .await?;
        let backends = match &audit {
            Some(options) => {
                let backends = Arc::new(kubeward_audit::backend::Backends::start(options)?);
                handle.add_listener(Arc::new(AuditTrail::new(
                    options.policy.clone(),
                    backends.clone(),
                )));
                Some(backends)
            }
            None => None,
        };
        let mut signals = shutdown::Signals::install()?;
        println!("kubeward idp is up.");
        println!();
        print_banner(&handle, &data_dir);
        println!("CA: {}", data_dir.join("pki").join("ca.crt").display());
        println!();
        println!("Ready.");
        shutdown::serve_until_stopped("kubeward idp", &mut signals, std::future::pending::<()>())
            .await;
        // What the audit backends still hold is delivered before the provider is gone.
        shutdown::flush_audit(backends);
        anyhow::Ok(ExitCode::SUCCESS)
    })?;
    shutdown::stop_runtime(runtime, "kubeward idp");
    Ok(outcome)
}
