//! `kubeward rbac can-i`: kubectl's `auth can-i`, answered from the policy with kubectl's
//! argument checks and words.

use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use kubeward_analysis::rules_table;
use kubeward_core::user::impersonated_user;
use kubeward_rbac::Decision;

use super::self_review;
use super::source::{self, PolicySource};
use super::target::{RequestScope, attributes_for, resolve_target, warn_if_cluster_scoped};

#[derive(Debug, Args)]
pub(super) struct CanIArgs {
    /// VERB, then TYPE[.GROUP][/NAME] or a /NON/RESOURCE/URL, optionally followed by NAME.
    #[arg(value_name = "VERB TYPE|URL [NAME]")]
    args: Vec<String>,
    /// The user to ask for (as kubectl's --as; a ServiceAccount is
    /// system:serviceaccount:NAMESPACE:NAME). Default on a live cluster: the current user, asked
    /// of the API server (SelfSubjectAccessReview, or SelfSubjectRulesReview with --list), as
    /// kubectl does.
    #[arg(long = "as", value_name = "USER")]
    user: Option<String>,
    /// A group of the user (repeatable), as kubectl's --as-group.
    #[arg(long = "as-group", value_name = "GROUP")]
    groups: Vec<String>,
    #[command(flatten)]
    scope: RequestScope,
    /// Print every allowed action, as `kubectl auth can-i --list`.
    #[arg(long)]
    list: bool,
    /// With --list, print no header line.
    #[arg(long)]
    no_headers: bool,
    /// Print nothing; only the exit code answers.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    source: PolicySource,
}

pub(super) fn run(args: CanIArgs) -> anyhow::Result<ExitCode> {
    validate_can_i(&args)?;
    let namespace = if args.scope.all_namespaces {
        String::new()
    } else {
        args.scope.namespace.clone()
    };
    let Some(user) = &args.user else {
        if !args.source.is_live() {
            bail!("--as is required with --from: there is no cluster to ask who you are");
        }
        return ask_the_server(&args, &namespace);
    };
    let policy = source::load(&args.source)?;
    let user = impersonated_user(user, args.groups.clone());

    if args.list {
        let review = policy.policy.rules_for(&user, &namespace);
        for error in &review.errors {
            eprintln!("Warning: {error}");
        }
        print!("{}", rules_table::render(&review.rules, !args.no_headers));
        return Ok(ExitCode::SUCCESS);
    }

    let verb = &args.args[0];
    let target = resolve_target(&args.args[1], args.args.get(2), verb)?;
    warn_if_cluster_scoped(&target, &namespace);
    let attributes = attributes_for(
        user,
        verb,
        &target,
        &namespace,
        args.scope.subresource.as_deref(),
    );
    let allowed = match policy.policy.authorize(&attributes) {
        Decision::Allow { .. } => true,
        Decision::NoOpinion { reason } => {
            if !args.quiet {
                if reason.is_empty() {
                    println!("no");
                } else {
                    println!("no - {reason}");
                }
            }
            false
        }
    };
    if allowed && !args.quiet {
        println!("yes");
    }
    Ok(if allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `kubectl auth can-i` for the current user: the API server's own answer.
fn ask_the_server(args: &CanIArgs, namespace: &str) -> anyhow::Result<ExitCode> {
    if !args.groups.is_empty() {
        bail!("--as-group needs --as");
    }
    let target = if args.list {
        None
    } else {
        let verb = &args.args[0];
        let target = resolve_target(&args.args[1], args.args.get(2), verb)?;
        warn_if_cluster_scoped(&target, namespace);
        Some(target)
    };
    source::runtime()?.block_on(async {
        let client = source::client(&args.source.cluster).await?;
        let Some(target) = target else {
            let rules = self_review::rules(&client, namespace).await?;
            if rules.incomplete {
                eprintln!(
                    "Warning: the list may be incomplete: {}",
                    rules.evaluation_error
                );
            }
            print!("{}", rules_table::render(&rules.rules, !args.no_headers));
            return Ok(ExitCode::SUCCESS);
        };
        let attributes = attributes_for(
            kubeward_core::UserInfo::default(),
            &args.args[0],
            &target,
            namespace,
            args.scope.subresource.as_deref(),
        );
        let answer = self_review::access(&client, &attributes).await?;
        if !args.quiet {
            println!("{}", answer.line());
        }
        Ok(if answer.allowed {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}

/// kubectl's argument checks for `auth can-i`, with its messages.
fn validate_can_i(args: &CanIArgs) -> anyhow::Result<()> {
    if args.list {
        if !args.args.is_empty() {
            bail!("list option must be specified with no arguments");
        }
        if args.quiet || args.scope.all_namespaces || args.scope.subresource.is_some() {
            bail!(
                "list option can't be specified with neither quiet, all-namespaces nor subresource options"
            );
        }
        return Ok(());
    }
    if args.no_headers {
        bail!("--no-headers cannot be set without --list specified");
    }
    if !(2..=3).contains(&args.args.len()) {
        bail!(
            "you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubeward rbac can-i -h' for help and examples."
        );
    }
    if args.args[1].starts_with('/') {
        if args.scope.subresource.is_some() {
            bail!("--subresource can not be used with NonResourceURL");
        }
        if args.args.len() == 3 {
            bail!("NonResourceURL and ResourceName can not specified together");
        }
    }
    Ok(())
}
