//! `kubeward rbac lookup`: rbac-tool's lookup of the bindings of subjects whose names match.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use kubeward_analysis::lookup;
use regex::Regex;

use super::output::{self, Format};
use super::source::{self, PolicySource};

#[derive(Debug, Args)]
pub(super) struct LookupArgs {
    /// The subject's name, a regular expression matched against the whole name; without it,
    /// every subject.
    subject: Option<String>,
    /// A regular expression matched anywhere in the name (instead of SUBJECT).
    #[arg(short = 'e', long)]
    regex: Option<String>,
    /// Show the subjects that do not match.
    #[arg(long = "not")]
    inverse: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    output: Format,
    #[command(flatten)]
    source: PolicySource,
}

pub(super) fn run(args: LookupArgs) -> anyhow::Result<ExitCode> {
    let pattern = match (&args.regex, &args.subject) {
        (Some(regex), _) => Regex::new(regex),
        (None, Some(name)) => lookup::exact(name),
        (None, None) => Regex::new(".*"),
    }
    .context("invalid regular expression")?;
    let policy = source::load(&args.source)?;
    let rows = lookup::lookup(&policy.policy, &pattern, args.inverse);
    output::print(args.output, &rows, || lookup::render(&rows))?;
    Ok(ExitCode::SUCCESS)
}
