//! `kubeward rbac summary`: rolesum's summary of the roles bound to a subject.

use std::process::ExitCode;

use clap::Args;
use kubeward_analysis::{rules_table, subject, summary};
use kubeward_rbac::Subject;

use super::output::{self, Format};
use super::self_review;
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
    if args.source.is_live() {
        return live(&args, &who, namespace.as_deref());
    }
    let policy = source::load(&args.source)?;
    let summary = summary::summarize(&policy.policy, &who, namespace.as_deref());
    output::print(args.output, &summary, || {
        summary::render(&summary, output::paint())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The summary from the cluster; when the user may not list its RBAC objects, their own rules
/// from a SelfSubjectRulesReview (the only answer the server gives about oneself).
fn live(args: &SummaryArgs, who: &Subject, namespace: Option<&str>) -> anyhow::Result<ExitCode> {
    source::runtime()?.block_on(async {
        let client = source::client(&args.source.cluster).await?;
        let error = match source::load_live(&client).await {
            Ok(policy) => {
                for warning in &policy.warnings {
                    eprintln!("Warning: {warning}");
                }
                let summary = summary::summarize(&policy.policy, who, namespace);
                output::print(args.output, &summary, || {
                    summary::render(&summary, output::paint())
                })?;
                return Ok(ExitCode::SUCCESS);
            }
            Err(error) if source::is_forbidden(&error) => error,
            Err(error) => return Err(error),
        };
        let me = super::whoami::user_info(&super::whoami::review(&client).await?);
        if !is_me(who, &me.name) {
            return Err(error.context(format!(
                "without that permission, only your own rules can be shown: kubeward rbac summary -k User {:?}",
                me.name
            )));
        }
        let namespace = namespace.unwrap_or("default");
        let rules = self_review::rules(&client, namespace).await?;
        eprintln!(
            "Note: you may not list the cluster's RBAC objects, so these are your own rules in the namespace {namespace:?} as the API server reports them (SelfSubjectRulesReview), not the roles and bindings that grant them."
        );
        if rules.incomplete {
            eprintln!(
                "Warning: the list may be incomplete: {}",
                rules.evaluation_error
            );
        } else {
            eprintln!("The list is complete.");
        }
        let json = serde_json::json!({
            "namespace": namespace,
            "incomplete": rules.incomplete,
            "evaluationError": rules.evaluation_error,
            "rules": rules.rules.iter().map(|r| serde_json::json!({
                "verbs": r.verbs,
                "apiGroups": r.api_groups,
                "resources": r.resources,
                "resourceNames": r.resource_names,
                "nonResourceURLs": r.non_resource_urls,
            })).collect::<Vec<_>>(),
        });
        output::print(args.output, &json, || {
            rules_table::render(&rules.rules, true)
        })?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Whether `subject` is the user named `name` (a ServiceAccount is
/// `system:serviceaccount:NAMESPACE:NAME`).
fn is_me(subject: &Subject, name: &str) -> bool {
    match subject {
        Subject::User(user) => user == name,
        Subject::ServiceAccount {
            namespace,
            name: account,
        } => name == format!("system:serviceaccount:{namespace}:{account}"),
        Subject::Group(_) => false,
    }
}
