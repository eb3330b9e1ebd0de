//! `kubeward rbac summary`: rolesum's summary of the roles bound to a subject.

use std::process::ExitCode;

use clap::Args;
use kubeward_analysis::{subject, summary};

use super::output::{self, Format};
use super::source::{self, PolicySource};

#[derive(Debug, Args)]
pub(super) struct SummaryArgs {
    /// The subject's name (a ServiceAccount's in the namespace of -n, or NAMESPACE:NAME).
    name: String,
    /// The subject's kind: User, Group or ServiceAccount.
    #[arg(short = 'k', long = "subject-kind", default_value = "ServiceAccount")]
    kind: String,
    /// The namespace whose RoleBindings are shown (a ServiceAccount's own namespace; default
    /// "default" for a ServiceAccount, none for users and groups).
    #[arg(short = 'n', long)]
    namespace: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    output: Format,
    #[command(flatten)]
    source: PolicySource,
}

pub(super) fn run(args: SummaryArgs) -> anyhow::Result<ExitCode> {
    let kind: subject::SubjectKind = args.kind.parse()?;
    let namespace = match (kind, &args.namespace) {
        (subject::SubjectKind::ServiceAccount, None) => Some("default".to_string()),
        (_, namespace) => namespace.clone(),
    };
    let who = subject::parse(kind, &args.name, namespace.as_deref())?;
    // A ServiceAccount's RoleBindings are those of its own namespace.
    let namespace = match &who {
        kubeward_rbac::Subject::ServiceAccount { namespace, .. } => Some(namespace.clone()),
        _ => namespace,
    };
    let policy = source::load(&args.source)?;
    let summary = summary::summarize(&policy.policy, &who, namespace.as_deref());
    output::print(args.output, &summary, || {
        summary::render(&summary, output::paint())
    })?;
    Ok(ExitCode::SUCCESS)
}
