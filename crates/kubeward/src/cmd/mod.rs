//! Subcommands and their wiring.

mod audit;
mod auth;
mod aws_credentials;
mod completion;
mod eks;
mod gateway;
mod idp;
mod leader_election;
mod limits;
mod login;
mod ports;
mod rbac;
mod runtime;
mod serve;
mod server_error;
mod shutdown;
mod storage;
mod up;
mod up_aws;
mod up_env;
mod up_lab;
mod up_oidc;
mod user;
mod version;
mod webhook;

use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};

pub use server_error::render as render_error;

/// Exit code of a command that failed (bad input, unreadable files); clap uses it for usage
/// errors too.
pub const EXIT_ERROR: u8 = 2;

/// Kubernetes access control, end to end, in one binary.
#[derive(Debug, Parser)]
#[command(name = "kubeward", version = version::line(), about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ask RBAC questions (can-i, who-can, summary, matrix, lint, viz, …) of the current
    /// kubeconfig's cluster, or of manifests on disk plus the bootstrap policy (--from).
    Rbac(rbac::RbacArgs),
    /// Run the embedded default in one data directory: a cluster CA, the API server, the OIDC
    /// identity provider it trusts, an admin kubeconfig and an OIDC kubeconfig.
    Up(up::UpArgs),
    /// Run the API server with kube-apiserver's flags.
    Serve(serve::ServeArgs),
    /// The OpenID Connect identity provider (Keycloak's paths): serve it, or administer it (a
    /// running provider through its admin REST API, or a stopped data directory).
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
    /// EKS administration: eksctl's iamidentitymapping, `aws eks update-kubeconfig`, access
    /// entries.
    Eks(eks::EksArgs),
    /// Print kubeward's version and the Kubernetes version its API server emulates.
    Version(version::VersionArgs),
    /// Print the completion script of a shell (bash, zsh, fish, elvish, powershell).
    Completion(completion::CompletionArgs),
    /// Print the manual page, or write one per command into a folder.
    Man(completion::ManArgs),
}

impl Cli {
    /// Whether the command prints its answer and exits (a filter in a shell pipeline), rather
    /// than serving or talking to child processes.
    pub fn prints_and_exits(&self) -> bool {
        matches!(
            self.command,
            Command::Rbac(_)
                | Command::Auth(_)
                | Command::User(_)
                | Command::Eks(_)
                | Command::Version(_)
                | Command::Completion(_)
                | Command::Man(_)
        )
    }
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
        Command::Eks(args) => eks::run(args),
        Command::Version(args) => version::run(args),
        Command::Completion(args) => completion::completion(args, Cli::command()),
        Command::Man(args) => completion::man(args, Cli::command()),
    }
}
