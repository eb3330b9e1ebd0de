//! The kubeward command line: one binary for Kubernetes access control.
#![forbid(unsafe_code)]

mod closed_pipe;
mod cmd;
mod files;
mod kube_config;
mod kubeconfig;
mod webhook_kubeconfig;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system's allocator: glibc's `malloc` and `free` took 18 % of the API
/// server's CPU time per request (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    if cli.prints_and_exits() {
        closed_pipe::end_quietly_when_stdout_closes();
    }
    match cmd::run(cli) {
        Ok(code) => code,
        Err(error) if closed_pipe::is_closed_pipe(&error) => closed_pipe::exit_code(),
        Err(error) => {
            eprintln!("{}", cmd::render_error(&error));
            ExitCode::from(cmd::EXIT_ERROR)
        }
    }
}

#[cfg(test)]
mod fuzz;
