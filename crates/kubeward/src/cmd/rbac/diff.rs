//! `kubeward rbac diff`: per subject, the permissions gained and lost between two policies (two
//! manifest sets, or manifests against the live cluster).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use kubeward_analysis::diff;

use super::output::{self, Format};
use super::source::{self, ClusterArgs, PolicySource};

#[derive(Debug, Args)]
pub(super) struct DiffArgs {
    /// The old policy: manifest files or directories.
    #[arg(long = "from", value_name = "PATH", num_args = 1.., required = true)]
    old: Vec<PathBuf>,
    /// The new policy: manifest files or directories; without it, the live cluster.
    #[arg(long = "to", value_name = "PATH", num_args = 1..)]
    new: Vec<PathBuf>,
    /// Leave out the bootstrap policy on the manifest sides.
    #[arg(long)]
    no_bootstrap: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    output: Format,
    #[command(flatten)]
    cluster: ClusterArgs,
}

pub(super) fn run(args: DiffArgs) -> anyhow::Result<ExitCode> {
    let side = |from: Vec<PathBuf>| PolicySource {
        from,
        no_bootstrap: args.no_bootstrap,
        cluster: args.cluster.clone(),
    };
    let old = source::load(&side(args.old.clone()))?;
    let new = source::load(&side(args.new.clone()))?;
    let changes = diff::diff(&old.policy, &new.policy);
    output::print(args.output, &changes, || diff::render(&changes))?;
    Ok(ExitCode::SUCCESS)
}
