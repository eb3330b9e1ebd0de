//! The kubeward command line: one binary for Kubernetes access control.
#![forbid(unsafe_code)]

mod cmd;
mod files;
mod kubeconfig;
mod webhook_kubeconfig;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(cmd::EXIT_ERROR)
        }
    }
}
