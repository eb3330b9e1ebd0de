//! `kubeward rbac matrix`: access-matrix's resources × verbs for a user (the current one on a live
//! cluster, or `--as`), or subjects × verbs for one resource (`--for`).

use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use kubeward_analysis::matrix;
use kubeward_core::discovery;
use kubeward_core::user::impersonated_user;

use super::output::{self, Format};
use super::self_review;
use super::source::{self, PolicySource};
use super::target::{Target, resolve_target};

#[derive(Debug, Args)]
pub(super) struct MatrixArgs {
    /// The user to show (a ServiceAccount is system:serviceaccount:NAMESPACE:NAME); default: the
    /// current user of the kubeconfig (live only).
    #[arg(long = "as", value_name = "USER")]
    user: Option<String>,
    /// A group of the user (repeatable).
    #[arg(long = "as-group", value_name = "GROUP")]
    groups: Vec<String>,
    /// The namespace (its namespaced resources); without it, every resource cluster-wide.
    #[arg(short = 'n', long)]
    namespace: Option<String>,
    /// The verb columns, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = matrix::DEFAULT_VERBS.map(String::from))]
    verbs: Vec<String>,
    /// Show the subjects × verbs of this resource (TYPE[.GROUP]) instead.
    #[arg(long = "for", value_name = "RESOURCE")]
    for_resource: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    output: Format,
    #[command(flatten)]
    source: PolicySource,
}

pub(super) fn run(args: MatrixArgs) -> anyhow::Result<ExitCode> {
    let namespace = args.namespace.clone().unwrap_or_default();
    if let Some(resource) = &args.for_resource {
        if args.user.is_some() || !args.groups.is_empty() {
            bail!("--for shows every subject; it takes neither --as nor --as-group");
        }
        let Target::Resource {
            group, resource, ..
        } = resolve_target(resource, None, &args.verbs[0])?
        else {
            bail!("--for takes a resource type, not a URL");
        };
        let policy = source::load(&args.source)?;
        let m = matrix::for_resource(&policy.policy, &group, &resource, &namespace, &args.verbs);
        output::print(args.output, &m, || matrix::render(&m, output::paint()))?;
        return Ok(ExitCode::SUCCESS);
    }
    let catalog = discovery::builtin();
    let resources = matrix::resources(catalog, &namespace);
    let m = match &args.user {
        Some(name) => {
            let policy = source::load(&args.source)?;
            let user = impersonated_user(name, args.groups.clone());
            matrix::for_user(&policy.policy, &user, &namespace, &args.verbs, &resources)
        }
        None if !args.source.is_live() => {
            bail!("--as is required with --from: there is no cluster to ask who you are")
        }
        None => source::runtime()?.block_on(async {
            let client = source::client(&args.source.cluster).await?;
            let review = super::whoami::review(&client).await?;
            match source::load_live(&client).await {
                Ok(policy) => {
                    let user = super::whoami::user_info(&review);
                    anyhow::Ok(matrix::for_user(
                        &policy.policy,
                        &user,
                        &namespace,
                        &args.verbs,
                        &resources,
                    ))
                }
                Err(error) if source::is_forbidden(&error) => {
                    eprintln!(
                        "Note: you may not list the cluster's RBAC objects, so each cell was asked of the API server (SelfSubjectAccessReview): every answer is the server's own decision, and complete."
                    );
                    self_review::matrix(&client, &resources, &args.verbs, &namespace).await
                }
                Err(error) => Err(error),
            }
        })?,
    };
    output::print(args.output, &m, || matrix::render(&m, output::paint()))?;
    Ok(ExitCode::SUCCESS)
}
