//! `kubeward webhook`: kubeward as the authentication and authorization webhook of a
//! kube-apiserver whose chain it cannot replace (`serve`), and the kubeconfig-format files that
//! point a kube-apiserver at it (`config`).

mod config;
pub(crate) mod policy;
mod serve;

use std::process::ExitCode;

use clap::{Args, Subcommand};

/// `kubeward webhook …`.
#[derive(Debug, Args)]
pub struct WebhookArgs {
    #[command(subcommand)]
    command: WebhookCommand,
}

#[derive(Debug, Subcommand)]
enum WebhookCommand {
    /// Answer TokenReviews (POST /authenticate) with kubeward's authentication chain and
    /// SubjectAccessReviews (POST /authorize) with its RBAC engine, over HTTPS.
    Serve(Box<serve::WebhookServeArgs>),
    /// Write the files kube-apiserver's --authentication-token-webhook-config-file,
    /// --authorization-webhook-config-file and --authorization-config take.
    Config(config::WebhookConfigArgs),
}

/// Runs `kubeward webhook …`.
pub fn run(args: WebhookArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        WebhookCommand::Serve(args) => serve::run(*args),
        WebhookCommand::Config(args) => config::run(args),
    }
}
