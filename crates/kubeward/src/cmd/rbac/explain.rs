//! `kubeward rbac explain`: why a request is allowed or not.

use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use kubeward_analysis::explain;
use kubeward_core::user::impersonated_user;

use super::output::{self, Format};
use super::source::{self, PolicySource};
use super::target::{RequestScope, Target, attributes_for, resolve_target};

#[derive(Debug, Args)]
pub(super) struct ExplainArgs {
    /// The verb, e.g. get, list, create.
    verb: String,
    /// TYPE[.GROUP][/NAME] or a /NON/RESOURCE/URL.
    target: String,
    /// The object's name.
    name: Option<String>,
    /// The user asking (a ServiceAccount is system:serviceaccount:NAMESPACE:NAME).
    #[arg(long = "as", value_name = "USER")]
    user: String,
    /// A group of the user (repeatable).
    #[arg(long = "as-group", value_name = "GROUP")]
    groups: Vec<String>,
    #[command(flatten)]
    scope: RequestScope,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    output: Format,
    #[command(flatten)]
    source: PolicySource,
}

pub(super) fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    if args.target.starts_with('/') && (args.scope.subresource.is_some() || args.name.is_some()) {
        bail!("a non-resource URL takes neither a name nor --subresource");
    }
    let target = resolve_target(&args.target, args.name.as_ref(), &args.verb)?;
    let user = impersonated_user(&args.user, args.groups.clone());
    let namespaced = !matches!(
        target,
        Target::Resource {
            namespaced: false,
            ..
        }
    );
    let namespace = if args.scope.all_namespaces || !namespaced {
        String::new()
    } else {
        args.scope.namespace.clone()
    };
    let attributes = attributes_for(
        user.clone(),
        &args.verb,
        &target,
        &namespace,
        args.scope.subresource.as_deref(),
    );
    let policy = source::load(&args.source)?;
    let explanation = explain::explain(&policy.policy, &attributes);
    let question = question(&attributes);
    output::print(args.output, &explanation, || {
        explain::render(&explanation, &question)
    })?;
    Ok(if explanation.allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn question(a: &kubeward_core::Attributes) -> String {
    let who = format!(
        "User {:?} (groups: [{}])",
        a.user.name,
        a.user.groups.join(" ")
    );
    if !a.resource_request {
        return format!("Can {who} {} {:?}?", a.verb, a.path);
    }
    let mut what = a.resource.clone();
    if !a.subresource.is_empty() {
        what = format!("{what}/{}", a.subresource);
    }
    if !a.api_group.is_empty() {
        what = format!("{what} in API group {:?}", a.api_group);
    }
    let name = if a.name.is_empty() {
        String::new()
    } else {
        format!(" named {:?}", a.name)
    };
    let scope = if a.namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace {:?}", a.namespace)
    };
    format!("Can {who} {} {what}{name} {scope}?", a.verb)
}
