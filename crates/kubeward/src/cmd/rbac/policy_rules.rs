//! `kubeward rbac policy-rules`: rbac-tool's effective rules of the subjects whose names match.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use kubeward_analysis::policy_rules;
use regex::Regex;

use super::output::{self, Format};
use super::source::{self, PolicySource};

#[derive(Debug, Args)]
pub(super) struct PolicyRulesArgs {
    /// Matched case-insensitively anywhere in the subject's name; without it, every subject.
    subject: Option<String>,
    /// A regular expression instead of SUBJECT.
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

pub(super) fn run(args: PolicyRulesArgs) -> anyhow::Result<ExitCode> {
    let pattern = match (&args.regex, &args.subject) {
        (Some(regex), _) => Regex::new(regex),
        (None, Some(name)) => policy_rules::loose(name),
        (None, None) => Regex::new(".*"),
    }
    .context("invalid regular expression")?;
    let policy = source::load(&args.source)?;
    let rows = policy_rules::policy_rules(&policy.policy, &pattern, args.inverse);
    output::print(args.output, &rows, || policy_rules::render(&rows))?;
    Ok(ExitCode::SUCCESS)
}
