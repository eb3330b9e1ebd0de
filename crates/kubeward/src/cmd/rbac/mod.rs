//! `kubeward rbac`: the RBAC questions of seed 004's krew plugins (rolesum, access-matrix,
//! rbac-tool, rbac-view, whoami) and more, answered offline from Kubernetes manifests (with the
//! bootstrap policy of kube-apiserver) or live from the current kubeconfig's cluster; and the
//! least-privilege roles of what an audit log shows a subject did (audit2rbac).

mod can_i;
mod diff;
mod explain;
mod from_audit;
mod lint;
mod lookup;
mod matrix;
mod output;
mod policy_rules;
mod self_review;
pub(crate) mod source;
mod summary;
mod target;
mod viz;
mod who_can;
mod whoami;

use std::process::ExitCode;

use clap::{Args, Subcommand};

pub(crate) use whoami::review as self_review;

#[derive(Debug, Args)]
pub(crate) struct RbacArgs {
    #[command(subcommand)]
    command: RbacCommand,
}

#[derive(Debug, Subcommand)]
enum RbacCommand {
    /// Check whether an action is allowed, like `kubectl auth can-i`: prints yes or no and exits
    /// 0 or 1.
    #[command(name = "can-i")]
    CanI(can_i::CanIArgs),
    /// List the subjects allowed to perform an action, with the binding and role that grant it.
    #[command(name = "who-can")]
    WhoCan(who_can::WhoCanArgs),
    /// Summarize the roles bound to a subject, like `kubectl rolesum`.
    Summary(summary::SummaryArgs),
    /// Resources × verbs a user may use (or subjects × verbs for one resource), like
    /// `kubectl access-matrix`.
    Matrix(matrix::MatrixArgs),
    /// The bindings of subjects whose names match, like `rbac-tool lookup`.
    Lookup(lookup::LookupArgs),
    /// The effective rules of subjects whose names match, like `rbac-tool policy-rules`.
    #[command(name = "policy-rules")]
    PolicyRules(policy_rules::PolicyRulesArgs),
    /// Who the current kubeconfig's credentials are, through a SelfSubjectReview.
    Whoami(whoami::WhoamiArgs),
    /// Report risky grants, with a severity, a reason and where each object came from.
    Lint(lint::LintArgs),
    /// Why a request is allowed or not: every binding that applies and what each rule lacks.
    Explain(explain::ExplainArgs),
    /// Permissions gained and lost per subject between two policies.
    Diff(diff::DiffArgs),
    /// The Roles and ClusterRoles (with bindings) that allow exactly what a user or
    /// ServiceAccount did according to audit logs, like audit2rbac; --diff compares them with
    /// what it holds today.
    #[command(name = "from-audit")]
    FromAudit(from_audit::FromAuditArgs),
    /// An interactive graph of subjects → bindings → roles → rules, as one offline HTML page.
    Viz(viz::VizArgs),
}

pub(crate) fn run(args: RbacArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        RbacCommand::CanI(args) => can_i::run(args),
        RbacCommand::WhoCan(args) => who_can::run(args),
        RbacCommand::Summary(args) => summary::run(args),
        RbacCommand::Matrix(args) => matrix::run(args),
        RbacCommand::Lookup(args) => lookup::run(args),
        RbacCommand::PolicyRules(args) => policy_rules::run(args),
        RbacCommand::Whoami(args) => whoami::run(args),
        RbacCommand::Lint(args) => lint::run(args),
        RbacCommand::Explain(args) => explain::run(args),
        RbacCommand::Diff(args) => diff::run(args),
        RbacCommand::FromAudit(args) => from_audit::run(args),
        RbacCommand::Viz(args) => viz::run(args),
    }
}
