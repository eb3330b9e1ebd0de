//! `kubeward rbac lint`: risky grants, for people (a table) or CI (`-o json`, `-o sarif`,
//! `--fail-on LEVEL`).

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use kubeward_analysis::lint::{self, Severity};

use super::source::{self, PolicySource};

/// `-o` of lint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
enum LintFormat {
    /// Aligned columns.
    #[default]
    Table,
    /// A JSON list of findings.
    Json,
    /// A SARIF 2.1.0 log, for code scanning.
    Sarif,
}

#[derive(Debug, Args)]
pub(super) struct LintArgs {
    /// Exit with code 1 when a finding is at least this severe (info, low, medium, high,
    /// critical).
    #[arg(long, value_name = "LEVEL")]
    fail_on: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    output: LintFormat,
    #[command(flatten)]
    source: PolicySource,
}

pub(super) fn run(args: LintArgs) -> anyhow::Result<ExitCode> {
    let fail_on: Option<Severity> = args.fail_on.as_deref().map(str::parse).transpose()?;
    let policy = source::load(&args.source)?;
    let mut findings = lint::lint(&policy.policy, &policy.origins);
    lint::accept(&mut findings, &policy.accepted);
    match args.output {
        LintFormat::Table if findings.is_empty() => eprintln!("No risky grants found."),
        LintFormat::Table => print!("{}", lint::render(&findings)),
        LintFormat::Json => println!("{}", serde_json::to_string_pretty(&findings)?),
        LintFormat::Sarif => println!("{}", serde_json::to_string_pretty(&lint::sarif(&findings))?),
    }
    let failed = fail_on.is_some_and(|level| lint::fails(&findings, level));
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
