//! `kubeward eks`: the EKS administration of seed 004 on the cluster of the current kubeconfig
//! (kubeward's or a real EKS cluster): eksctl's `iamidentitymapping` on the `aws-auth`
//! ConfigMap, `aws eks update-kubeconfig`'s exec block, and access entries.

mod access;
mod auth_map;
mod kubeconfig;
mod mapping;
mod output;

use std::process::ExitCode;

use clap::{Args, Subcommand};

/// `kubeward eks …`.
#[derive(Debug, Args)]
pub struct EksArgs {
    #[command(subcommand)]
    command: EksCommand,
}

#[derive(Debug, Subcommand)]
enum EksCommand {
    /// IAM identity mappings in the aws-auth ConfigMap, as `eksctl … iamidentitymapping`.
    #[command(name = "iamidentitymapping")]
    IamIdentityMapping(mapping::MappingArgs),
    /// Write the kubeconfig user that runs `aws eks get-token`, as `aws eks update-kubeconfig`.
    #[command(name = "update-kubeconfig")]
    UpdateKubeconfig(kubeconfig::UpdateArgs),
    /// EKS access entries: an IAM principal's user name, groups and access policies.
    #[command(name = "access-entry")]
    AccessEntry(access::AccessArgs),
}

/// Runs `kubeward eks …`.
pub fn run(args: EksArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        EksCommand::IamIdentityMapping(args) => mapping::run(args),
        EksCommand::UpdateKubeconfig(args) => kubeconfig::run(args),
        EksCommand::AccessEntry(args) => access::run(args),
    }
}

/// eksctl's failure: `Error: …` on stderr, exit code 1.
fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("Error: {message}");
    ExitCode::from(1)
}
