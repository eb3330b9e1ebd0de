//! The command line, with kubelogin's flag names and defaults: `get-token`, `setup`, `logout`,
//! `clean`. Shared by `kubeward login …` and the `kubectl-oidc_login` binary. Errors print as
//! `error: <command>: <reason>` on stderr with exit code 1, as kubelogin's do.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::authcode::BrowserFlow;
use crate::browser::BrowserOptions;
use crate::cache::TokenCache;
use crate::get_token::{self, GetToken, Interactive};
use crate::http::TlsOptions;
use crate::logout::{self, Outcome};
use crate::session::{Provider, Session};
use crate::{jwt, setup};

#[cfg(test)]
mod tests;

/// The exit code of a failed command (kubelogin's).
pub const EXIT_FAILURE: u8 = 1;

/// `kubectl oidc-login`: the kubectl plugin form of `kubeward login`.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-oidc_login",
    version,
    about = "Log in to the OpenID Connect provider"
)]
pub struct PluginCli {
    #[command(subcommand)]
    command: LoginCommand,
}

/// The login subcommands.
#[derive(Debug, Subcommand)]
pub enum LoginCommand {
    /// Run as a kubectl credential plugin.
    #[command(args_override_self = true)]
    GetToken(GetTokenArgs),
    /// Sign in once and show the setup instruction.
    #[command(args_override_self = true)]
    Setup(SetupArgs),
    /// Revoke the cached refresh token at the issuer and remove the cache entry.
    #[command(args_override_self = true)]
    Logout(LogoutArgs),
    /// Delete the token cache directory.
    Clean(CleanArgs),
}

/// A Go-style boolean flag: `--flag`, `--flag=true`, `--flag=false`.
macro_rules! go_bool {
    () => {
        ArgAction::Set
    };
}

/// `--grant-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GrantType {
    /// authcode, or password when --username is set.
    Auto,
    /// Authorization code through the browser.
    Authcode,
    /// Authorization code pasted on the terminal.
    AuthcodeKeyboard,
    /// Resource owner password credentials.
    Password,
    /// Device authorization grant.
    DeviceCode,
}

/// `--oidc-pkce-method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PkceMethod {
    /// S256 when the provider announces it.
    Auto,
    /// No PKCE.
    No,
    /// Always S256.
    #[value(name = "S256")]
    S256,
}

/// `--token-cache-storage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CacheStorage {
    /// Files in --token-cache-dir.
    Disk,
    /// No cache.
    None,
}

/// The provider, client and trust flags.
#[derive(Debug, Clone, Args)]
pub struct ProviderArgs {
    /// Issuer URL of the provider (mandatory)
    #[arg(
        long = "oidc-issuer-url",
        default_value = "",
        hide_default_value = true
    )]
    pub issuer_url: String,
    /// Client ID of the provider (mandatory)
    #[arg(long = "oidc-client-id", default_value = "", hide_default_value = true)]
    pub client_id: String,
    /// Client secret of the provider
    #[arg(
        long = "oidc-client-secret",
        default_value = "",
        hide_default_value = true
    )]
    pub client_secret: String,
    /// [authcode, authcode-keyboard] Redirect URL
    #[arg(long = "oidc-redirect-url")]
    pub redirect_url: Option<String>,
    /// Scopes to request to the provider (repeatable, comma-separated)
    #[arg(long = "oidc-extra-scope", value_delimiter = ',')]
    pub extra_scopes: Vec<String>,
    /// PKCE code challenge method
    #[arg(long = "oidc-pkce-method", value_enum, default_value = "auto")]
    pub pkce_method: PkceMethod,
    /// Path to a cert file for the certificate authority (repeatable)
    #[arg(long = "certificate-authority")]
    pub certificate_authority: Vec<PathBuf>,
    /// Base64 encoded cert for the certificate authority (repeatable)
    #[arg(long = "certificate-authority-data")]
    pub certificate_authority_data: Vec<String>,
    /// [SECURITY RISK] If set, the server's certificate will not be checked for validity
    #[arg(long = "insecure-skip-tls-verify", action = go_bool!(), num_args = 0..=1, default_missing_value = "true", default_value = "false")]
    pub insecure_skip_tls_verify: bool,
}

/// The cache flags.
#[derive(Debug, Clone, Args)]
pub struct CacheArgs {
    /// Path to a directory of the token cache [default: $KUBECACHEDIR/oidc-login or ~/.kube/cache/oidc-login]
    #[arg(long = "token-cache-dir")]
    pub token_cache_dir: Option<String>,
    /// Storage for the token cache
    #[arg(long = "token-cache-storage", value_enum, default_value = "disk")]
    pub token_cache_storage: CacheStorage,
}

/// The flags of the interactive sign-in.
#[derive(Debug, Clone, Args)]
pub struct AuthArgs {
    /// Authorization grant type to use
    #[arg(long = "grant-type", value_enum, default_value = "auto")]
    pub grant_type: GrantType,
    /// [authcode] Address to bind to the local server; tried in order (repeatable)
    #[arg(long = "listen-address", value_delimiter = ',', default_values = ["127.0.0.1:8000", "127.0.0.1:18000"])]
    pub listen_address: Vec<String>,
    /// [authcode] Do not open the browser automatically
    #[arg(long = "skip-open-browser", action = go_bool!(), num_args = 0..=1, default_missing_value = "true", default_value = "false")]
    pub skip_open_browser: bool,
    /// [authcode, device-code] Command to open the browser (run as COMMAND URL)
    #[arg(long = "browser-command")]
    pub browser_command: Option<String>,
    /// [authcode] Timeout of authentication in seconds
    #[arg(long = "authentication-timeout-sec", default_value_t = 180)]
    pub authentication_timeout_sec: u64,
    /// [authcode, authcode-keyboard] Extra query parameters of the authentication request (key=value, repeatable)
    #[arg(long = "oidc-auth-request-extra-params", value_delimiter = ',', value_parser = parse_key_value)]
    pub auth_request_extra_params: Vec<(String, String)>,
    /// [password] Username for resource owner password credentials grant
    #[arg(long = "username")]
    pub username: Option<String>,
    /// [password] Password for resource owner password credentials grant
    #[arg(long = "password")]
    pub password: Option<String>,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("{s} must be formatted as key=value"))
}

/// Flags of `get-token`.
#[derive(Debug, Clone, Args)]
pub struct GetTokenArgs {
    #[command(flatten)]
    provider: ProviderArgs,
    #[command(flatten)]
    cache: CacheArgs,
    #[command(flatten)]
    auth: AuthArgs,
    /// If set, refresh the ID token regardless of its expiration time
    #[arg(long = "force-refresh", action = go_bool!(), num_args = 0..=1, default_missing_value = "true", default_value = "false")]
    force_refresh: bool,
    /// Log level (accepted for kubelogin compatibility)
    #[arg(short = 'v', long = "v", default_value_t = 0)]
    verbosity: u32,
}

/// Flags of `setup`.
#[derive(Debug, Clone, Args)]
pub struct SetupArgs {
    #[command(flatten)]
    provider: ProviderArgs,
    /// Accepted so that the printed exec block can repeat them; setup itself does not cache.
    #[command(flatten)]
    cache: CacheArgs,
    #[command(flatten)]
    auth: AuthArgs,
    #[command(flatten)]
    claims: ClaimArgs,
}

/// kube-apiserver's claim flags, for `setup` to name the user as the API server will.
#[derive(Debug, Clone, Args)]
pub struct ClaimArgs {
    /// The API server's --oidc-username-claim (default sub)
    #[arg(long = "oidc-username-claim")]
    username_claim: Option<String>,
    /// The API server's --oidc-username-prefix (default ISSUER# unless the claim is email; - for none)
    #[arg(long = "oidc-username-prefix")]
    username_prefix: Option<String>,
    /// The API server's --oidc-groups-claim
    #[arg(long = "oidc-groups-claim")]
    groups_claim: Option<String>,
    /// The API server's --oidc-groups-prefix
    #[arg(long = "oidc-groups-prefix")]
    groups_prefix: Option<String>,
}

impl ClaimArgs {
    fn mapping(&self) -> setup::ClaimMapping {
        setup::ClaimMapping {
            username_claim: self.username_claim.clone(),
            username_prefix: self.username_prefix.clone(),
            groups_claim: self.groups_claim.clone(),
            groups_prefix: self.groups_prefix.clone(),
        }
    }
}

/// The flags of `setup` that describe the API server, not the plugin: never repeated in the
/// exec block (`get-token` does not take them).
const API_SERVER_FLAGS: [&str; 4] = [
    "--oidc-username-claim",
    "--oidc-username-prefix",
    "--oidc-groups-claim",
    "--oidc-groups-prefix",
];

/// What the plugin cannot know by itself: how an API server names the holder of an ID token.
/// `kubeward login setup` asks the current kubeconfig's cluster with a SelfSubjectReview.
pub trait ApiServer {
    /// The API server's URL and the user name it authenticates `id_token` as, when it does.
    fn username(&self, id_token: &str) -> Option<(String, String)>;
}

/// Flags of `logout`.
#[derive(Debug, Clone, Args)]
pub struct LogoutArgs {
    #[command(flatten)]
    provider: ProviderArgs,
    #[command(flatten)]
    cache: CacheArgs,
    /// [password] The user name the tokens were cached for
    #[arg(long = "username")]
    username: Option<String>,
}

/// Flags of `clean`.
#[derive(Debug, Clone, Args)]
pub struct CleanArgs {
    #[command(flatten)]
    cache: CacheArgs,
}

fn home() -> Option<String> {
    std::env::var("HOME").ok().filter(|h| !h.is_empty())
}

/// `~/x` → `$HOME/x` (kubelogin expands `~` in paths).
pub fn expand_home(path: &str, home: Option<&str>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ if path == "~" => home.map_or_else(|| PathBuf::from(path), PathBuf::from),
        _ => PathBuf::from(path),
    }
}

/// The cache directory: the flag, else `$KUBECACHEDIR/oidc-login`, else
/// `~/.kube/cache/oidc-login`.
pub fn cache_dir(flag: Option<&str>, kube_cache_dir: Option<&str>, home: Option<&str>) -> PathBuf {
    match (flag, kube_cache_dir) {
        (Some(dir), _) => expand_home(dir, home),
        (None, Some(dir)) => PathBuf::from(dir).join("oidc-login"),
        (None, None) => expand_home("~/.kube/cache/oidc-login", home),
    }
}

impl CacheArgs {
    fn dir(&self) -> PathBuf {
        let kube_cache_dir = std::env::var("KUBECACHEDIR").ok();
        cache_dir(
            self.token_cache_dir.as_deref(),
            kube_cache_dir.as_deref(),
            home().as_deref(),
        )
    }
}

impl ProviderArgs {
    fn check(&self) -> Result<(), String> {
        if self.issuer_url.is_empty() {
            return Err("--oidc-issuer-url is missing".into());
        }
        if self.client_id.is_empty() {
            return Err("--oidc-client-id is missing".into());
        }
        Ok(())
    }

    fn provider(&self) -> Provider {
        Provider {
            issuer: self.issuer_url.clone(),
            client_id: self.client_id.clone(),
            client_secret: Some(self.client_secret.clone()).filter(|s| !s.is_empty()),
            extra_scopes: self.extra_scopes.clone(),
            redirect_url: self.redirect_url.clone(),
        }
    }

    fn tls(&self) -> TlsOptions {
        let home = home();
        TlsOptions {
            certificate_authorities: self
                .certificate_authority
                .iter()
                .map(|p| expand_home(&p.to_string_lossy(), home.as_deref()))
                .collect(),
            certificate_authority_data: self.certificate_authority_data.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
        }
    }
}

impl AuthArgs {
    fn interactive(&self, provider: &ProviderArgs) -> Interactive {
        let certificate_authorities = provider.tls().certificate_authorities;
        let use_pkce = match provider.pkce_method {
            PkceMethod::S256 => Some(true),
            PkceMethod::No => Some(false),
            PkceMethod::Auto => None,
        };
        let browser = BrowserOptions {
            skip_open_browser: self.skip_open_browser,
            browser_command: self.browser_command.clone(),
            certificate_authorities,
        };
        let grant = match self.grant_type {
            GrantType::Auto if self.username.is_some() => GrantType::Password,
            GrantType::Auto => GrantType::Authcode,
            other => other,
        };
        match grant {
            GrantType::Password => Interactive::Password {
                username: self.username.clone(),
                password: self.password.clone(),
            },
            GrantType::AuthcodeKeyboard => Interactive::Keyboard {
                use_pkce,
                extra: self.auth_request_extra_params.clone(),
            },
            GrantType::DeviceCode => Interactive::DeviceCode(browser),
            GrantType::Auto | GrantType::Authcode => Interactive::AuthCode(BrowserFlow {
                listen_addresses: self.listen_address.clone(),
                browser,
                timeout: Duration::from_secs(self.authentication_timeout_sec),
                use_pkce,
                extra: self.auth_request_extra_params.clone(),
            }),
        }
    }
}

fn fail(command: &str, error: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {command}: {error}");
    ExitCode::from(EXIT_FAILURE)
}

/// Runs the `kubectl-oidc_login` binary: parses `std::env::args` and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = PluginCli::parse();
    run(cli.command)
}

/// Runs one login subcommand and returns the exit code.
pub fn run(command: LoginCommand) -> ExitCode {
    run_with(command, None)
}

/// [`run`], with an API server that `setup` asks how it names the signed-in user.
pub fn run_with(command: LoginCommand, api_server: Option<&dyn ApiServer>) -> ExitCode {
    match command {
        LoginCommand::GetToken(args) => run_get_token(&args),
        LoginCommand::Setup(args) => run_setup(&args, api_server),
        LoginCommand::Logout(args) => run_logout(&args),
        LoginCommand::Clean(args) => {
            let cache = TokenCache::new(args.cache.dir());
            match cache.remove_all() {
                Ok(()) => {
                    eprintln!("Deleted the token cache at {}", cache.dir().display());
                    ExitCode::SUCCESS
                }
                Err(error) => fail("clean", error),
            }
        }
    }
}

fn run_get_token(args: &GetTokenArgs) -> ExitCode {
    if let Err(message) = args.provider.check() {
        return fail("get-token", message);
    }
    let config = GetToken {
        provider: args.provider.provider(),
        tls: args.provider.tls(),
        interactive: args.auth.interactive(&args.provider),
        cache_dir: args.cache.dir(),
        force_refresh: args.force_refresh,
        no_cache: args.cache.token_cache_storage == CacheStorage::None,
    };
    let exec_info = std::env::var("KUBERNETES_EXEC_INFO").ok();
    match get_token::run(&config, exec_info.as_deref()) {
        Ok(line) => {
            print!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => fail("get-token", error),
    }
}

fn changed_flags() -> Vec<String> {
    // The flags given after `setup`, as `--name=value`, for the exec block.
    let args: Vec<String> = std::env::args().collect();
    let start = args
        .iter()
        .position(|a| a == "setup")
        .map_or(args.len(), |i| i + 1);
    let mut flags = Vec::new();
    let mut iter = args[start..].iter().peekable();
    while let Some(arg) = iter.next() {
        if !arg.starts_with("--") {
            continue;
        }
        if arg.contains('=') {
            flags.push(arg.clone());
        } else if let Some(value) = iter.peek().filter(|v| !v.starts_with("--")) {
            flags.push(format!("{arg}={value}"));
            iter.next();
        } else {
            flags.push(arg.clone());
        }
    }
    flags.retain(|flag| {
        let name = flag.split('=').next().unwrap_or_default();
        !API_SERVER_FLAGS.contains(&name)
    });
    flags
}

fn run_setup(args: &SetupArgs, api_server: Option<&dyn ApiServer>) -> ExitCode {
    if args.provider.check().is_err() {
        eprintln!(
            "Usage: kubectl oidc-login setup --oidc-issuer-url=ISSUER --oidc-client-id=YOUR_CLIENT_ID [--oidc-client-secret=YOUR_CLIENT_SECRET]"
        );
        return ExitCode::from(EXIT_FAILURE);
    }
    let provider = args.provider.provider();
    let tls = args.provider.tls();
    let interactive = args.auth.interactive(&args.provider);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail("setup", error),
    };
    eprintln!("Authentication in progress...");
    let tokens = runtime.block_on(async {
        let session = Session::open(&provider, &tls)
            .await
            .map_err(get_token::GetTokenError::from)?;
        get_token::interactive(&session, &interactive).await
    });
    let tokens = match tokens {
        Ok(tokens) => tokens,
        Err(error) => return fail("setup", error),
    };
    let claims = match jwt::decode_claims(&tokens.id_token) {
        Ok(claims) => claims,
        Err(error) => return fail("setup", format!("you got an invalid token: {error}")),
    };
    let flags = changed_flags();
    let mapping = args.claims.mapping();
    let reported = if mapping.is_set() {
        None
    } else {
        api_server.and_then(|server| server.username(&tokens.id_token))
    };
    let user = match reported {
        Some((server, name)) => setup::User::Reported { server, name },
        None => {
            let payload =
                kubeward_jose::jws::unverified_payload(&tokens.id_token).unwrap_or_default();
            match setup::username(&provider.issuer, &payload, &mapping) {
                Ok(name) => setup::User::Mapped {
                    name,
                    flags_given: mapping.is_set(),
                },
                Err(error) => return fail("setup", error),
            }
        }
    };
    print!(
        "{}",
        setup::render(&setup::Instructions {
            issuer: &provider.issuer,
            client_id: &provider.client_id,
            user: &user,
            claims_pretty: &claims.pretty,
            flags: &flags,
            mapping: &mapping,
        })
    );
    ExitCode::SUCCESS
}

fn run_logout(args: &LogoutArgs) -> ExitCode {
    if let Err(message) = args.provider.check() {
        return fail("logout", message);
    }
    let provider = args.provider.provider();
    let tls = args.provider.tls();
    let cache = TokenCache::new(args.cache.dir());
    let key = provider.cache_key(&tls, args.username.as_deref());
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail("logout", error),
    };
    match runtime.block_on(logout::logout(&provider, &tls, &cache, &key)) {
        Ok(Outcome::Revoked) => {
            eprintln!(
                "Revoked the refresh token at {} and removed the token cache.",
                provider.issuer
            );
            ExitCode::SUCCESS
        }
        Ok(Outcome::NothingCached) => {
            eprintln!("No token cache for this issuer and client: nothing to log out.");
            ExitCode::SUCCESS
        }
        Ok(Outcome::NoRefreshToken) => {
            eprintln!("Removed the token cache (it held no refresh token to revoke).");
            ExitCode::SUCCESS
        }
        Ok(Outcome::NoRevocationEndpoint) => {
            eprintln!(
                "Removed the token cache. The issuer announces no revocation_endpoint: the refresh token stays valid there until it expires."
            );
            ExitCode::SUCCESS
        }
        Err(error) => fail("logout", error),
    }
}
