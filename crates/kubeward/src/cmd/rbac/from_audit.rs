//! `kubeward rbac from-audit`: the Roles and ClusterRoles (with bindings) that allow exactly what
//! one subject did according to audit logs, like audit2rbac; with `--diff`, what the subject
//! holds today (from `--from` manifests or the live cluster) against what it used.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;
use kubeward_analysis::from_audit::{self, Options, UsedRequest, held};
use kubeward_analysis::subject::{self, SubjectKind};
use kubeward_audit::{Event, decode};

use super::output::{self, Format};
use super::source::{self, PolicySource};

#[derive(Debug, Args)]
pub(super) struct FromAuditArgs {
    /// Audit log files written with --audit-log-format=json, or EventList documents as the
    /// webhook backend posts them; `-` reads stdin. Repeatable.
    #[arg(short = 'f', long = "filename", value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// The user whose requests to allow.
    #[arg(
        long,
        value_name = "NAME",
        required_unless_present = "serviceaccount",
        conflicts_with = "serviceaccount"
    )]
    user: Option<String>,
    /// The ServiceAccount whose requests to allow, as NAMESPACE:NAME.
    #[arg(long, value_name = "NAMESPACE:NAME")]
    serviceaccount: Option<String>,
    /// Only requests in this namespace.
    #[arg(short = 'n', long)]
    namespace: Option<String>,
    /// Also allow requests the authorizer refused.
    #[arg(long)]
    include_denied: bool,
    /// The name of the generated roles and bindings.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Instead of the manifests, compare what the subject holds today (from --from, or the live
    /// cluster) with what it used: used, wider than needed, unused, missing.
    #[arg(long)]
    diff: bool,
    /// With --diff, the output format.
    #[arg(short, long, value_enum, default_value_t)]
    output: Format,
    #[command(flatten)]
    source: PolicySource,
}

fn read_events(files: &[PathBuf]) -> anyhow::Result<Vec<Event>> {
    let mut events = Vec::new();
    for file in files {
        let (name, text) = if file.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read stdin")?;
            ("stdin".to_string(), text)
        } else {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            (file.display().to_string(), text)
        };
        let decoded = decode::read(&text);
        for error in &decoded.errors {
            eprintln!("Warning: {name}: {error}");
        }
        events.extend(decoded.events);
    }
    Ok(events)
}

fn list(requests: &[UsedRequest]) -> String {
    requests
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn run(args: FromAuditArgs) -> anyhow::Result<ExitCode> {
    if !args.diff && !args.source.from.is_empty() {
        bail!("--from is only read with --diff");
    }
    let subject = match (&args.user, &args.serviceaccount) {
        (Some(user), _) => subject::parse(SubjectKind::User, user, None)?,
        (None, Some(sa)) => {
            if !sa.contains(':') {
                bail!("--serviceaccount must be NAMESPACE:NAME, got {sa:?}");
            }
            subject::parse(SubjectKind::ServiceAccount, sa, None)?
        }
        (None, None) => bail!("give --user or --serviceaccount"),
    };
    let default_name = format!("{}-from-audit", subject::name_of(&subject));
    let events = read_events(&args.files)?;
    let analysis = from_audit::analyze(
        &events,
        &Options {
            subject,
            namespace: args.namespace.clone(),
            include_denied: args.include_denied,
            name: args.name.clone().unwrap_or(default_name),
        },
    )?;
    let asked: usize = analysis
        .requests
        .iter()
        .map(|(_, t)| t.allowed + t.denied + t.unknown)
        .sum();
    eprintln!(
        "Read {} events: {} requests by {} ({} distinct).",
        events.len(),
        asked,
        analysis.user.name,
        analysis.requests.len()
    );
    if !analysis.already_allowed.is_empty() {
        eprintln!(
            "Already allowed to it by the default policy: {}.",
            list(&analysis.already_allowed)
        );
    }
    if !analysis.denied.is_empty() {
        eprintln!(
            "Refused by the authorizer, left out (--include-denied allows them): {}.",
            list(&analysis.denied)
        );
    }

    if args.diff {
        let policy = source::load(&args.source)?;
        let used: Vec<&UsedRequest> = analysis
            .granted
            .iter()
            .chain(&analysis.already_allowed)
            .collect();
        let rows = held::compare(&policy.policy, &analysis.user, &used);
        output::print(args.output, &rows, || held::render(&rows))?;
        return Ok(ExitCode::SUCCESS);
    }
    if analysis.generated.roles.is_empty() {
        eprintln!("Nothing to generate: the default policy allows every request.");
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", from_audit::manifests::to_yaml(&analysis.generated)?);
    Ok(ExitCode::SUCCESS)
}
