//! `kubeward version` and `--version`: kubeward's own version, and the Kubernetes version its API
//! server emulates (what it answers at `/version`, what kubectl's version skew is measured
//! against).

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::Value;

/// `kubeward version` flags.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Output format: text (default) or json.
    #[arg(short = 'o', long = "output", value_enum)]
    output: Option<Format>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Json,
}

/// The Kubernetes version the API server reports, e.g. `v1.33.0` (from its `gitVersion`
/// without the `-kubeward` suffix).
pub fn kubernetes() -> String {
    let info: Value = serde_json::from_str(kubeward_server::VERSION_JSON).unwrap_or_default();
    let git = info["gitVersion"].as_str().unwrap_or_default();
    git.strip_suffix("-kubeward").unwrap_or(git).to_string()
}

/// `--version`'s line: `0.1.0 (Kubernetes v1.33.0)`.
pub fn line() -> String {
    format!(
        "{} (Kubernetes {})",
        env!("CARGO_PKG_VERSION"),
        kubernetes()
    )
}

/// What `kubeward version` prints.
pub fn text() -> String {
    format!(
        "kubeward {}\nKubernetes API: {} (what the API server emulates and answers at /version)\n",
        env!("CARGO_PKG_VERSION"),
        kubernetes()
    )
}

/// Runs `kubeward version`.
pub fn run(args: VersionArgs) -> anyhow::Result<ExitCode> {
    match args.output {
        None => print!("{}", text()),
        Some(Format::Json) => {
            let kubernetes: Value = serde_json::from_str(kubeward_server::VERSION_JSON)?;
            let both = serde_json::json!({
                "kubeward": env!("CARGO_PKG_VERSION"),
                "kubernetes": kubernetes,
            });
            println!("{}", serde_json::to_string_pretty(&both)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests;
