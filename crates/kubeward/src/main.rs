//! The kubeward command line: one binary for Kubernetes access control.
#![forbid(unsafe_code)]

mod cmd;
mod files;
mod kube_config;
mod kubeconfig;
mod webhook_kubeconfig;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("{}", cmd::render_error(&error));
            ExitCode::from(cmd::EXIT_ERROR)
        }
    }
}

#[cfg(test)]
mod fuzz;
