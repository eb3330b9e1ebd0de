//! Subcommands and their wiring.

mod auth;
mod gateway;
mod idp;
mod limits;
mod login;
mod rbac;
mod serve;
mod up;
mod up_oidc;
mod user;
mod webhook;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code of a command that failed (bad input, unreadable files); clap uses it for usage
/// errors too.
pub const EXIT_ERROR: u8 = 2;

/// Kubernetes access control, end to end, in one binary.
#[derive(Debug, Parser)]
#[command(name = "kubeward", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ask RBAC questions of a policy (Kubernetes manifests on disk plus the bootstrap policy).
    Rbac(rbac::RbacArgs),
    /// Run the embedded default: CA, API server and admin kubeconfig in one data directory.
    Up(up::UpArgs),
    /// Run the API server with kube-apiserver's flags.
    Serve(serve::ServeArgs),
    /// The OpenID Connect identity provider (Keycloak's paths): serve it, or administer a data
    /// directory offline.
    Idp(idp::IdpArgs),
    /// Explain how the API server authenticates a token (`auth explain`).
    Auth(auth::AuthArgs),
    /// Onboard users with client certificates, on the cluster of the current kubeconfig.
    User(user::UserArgs),
    /// Sign in with OpenID Connect as a kubectl credential plugin (kubelogin's flags).
    Login(login::LoginArgs),
    /// An authenticating gateway in front of a cluster: kubeward's authentication (and
    /// optionally authorization), then the request forwarded with impersonation headers.
    Gateway(Box<gateway::GatewayArgs>),
    /// The authentication and authorization webhook of a kube-apiserver (TokenReview,
    /// SubjectAccessReview), and the files that point a kube-apiserver at it.
    Webhook(webhook::WebhookArgs),
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Rbac(args) => rbac::run(args),
        Command::Up(args) => up::run(args),
        Command::Serve(args) => serve::run(args),
        Command::User(args) => user::run(args),
        Command::Login(args) => login::run(args),
        Command::Idp(args) => idp::run(args),
        Command::Auth(args) => auth::run(args),
        Command::Webhook(args) => webhook::run(args),
        Command::Gateway(args) => gateway::run(*args),
    }
}

/// The async runtime of the servers, with logs on stderr (`RUST_LOG`, default `info`).
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
