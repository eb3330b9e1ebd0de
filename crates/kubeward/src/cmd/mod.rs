//! Subcommands and their wiring.

mod rbac;

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
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Rbac(args) => rbac::run(args),
    }
}
