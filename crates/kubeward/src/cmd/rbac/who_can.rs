//! `kubeward rbac who-can`: the subjects allowed to perform an action, with the binding and role
//! that grant it.

use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use kubeward_analysis::who_can;

use super::output::{self, Format};
use super::source::{self, PolicySource};
use super::target::{RequestScope, Target, attributes_for, resolve_target};

#[derive(Debug, Args)]
pub(super) struct WhoCanArgs {
    /// The verb, e.g. get, list, create, or * .
    verb: String,
    /// TYPE[.GROUP][/NAME] or a /NON/RESOURCE/URL.
    target: String,
    /// The object's name.
    name: Option<String>,
    #[command(flatten)]
    scope: RequestScope,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    output: Format,
    #[command(flatten)]
    source: PolicySource,
}

pub(super) fn run(args: WhoCanArgs) -> anyhow::Result<ExitCode> {
    if args.target.starts_with('/') && (args.scope.subresource.is_some() || args.name.is_some()) {
        bail!("a non-resource URL takes neither a name nor --subresource");
    }
    let policy = source::load(&args.source)?;
    let target = resolve_target(&args.target, args.name.as_ref(), &args.verb)?;
    let cluster_scoped = matches!(
        target,
        Target::Resource {
            namespaced: false,
            ..
        }
    );
    let namespace = if args.scope.all_namespaces || cluster_scoped {
        String::new()
    } else {
        args.scope.namespace.clone()
    };
    let attributes = attributes_for(
        Default::default(),
        &args.verb,
        &target,
        &namespace,
        args.scope.subresource.as_deref(),
    );
    let grants = policy.policy.who_can(&attributes);
    if grants.is_empty() && args.output == Format::Table {
        eprintln!("No subjects found.");
    } else {
        output::print(args.output, &who_can::rows(&grants), || {
            who_can::render(&grants)
        })?;
    }
    Ok(ExitCode::SUCCESS)
}
