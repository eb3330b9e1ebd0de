//! `kubeward eks iamidentitymapping create|get|delete`: eksctl's commands, their flags, output
//! and errors, editing `kube-system/aws-auth` through the current kubeconfig.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, PostParams};
use kubeward_authn::iam::aws_auth::{self, EksctlIdentity};

use super::auth_map::{self, AuthMap, Logs};
use super::{fail, output};

/// `kubeward eks iamidentitymapping …`.
#[derive(Debug, Args)]
pub(super) struct MappingArgs {
    #[command(subcommand)]
    command: MappingCommand,
}

#[derive(Debug, Subcommand)]
enum MappingCommand {
    /// Map an IAM role or user to a Kubernetes user and groups, or map an account.
    Create(CreateArgs),
    /// List the mappings (eksctl's table, or -o json|yaml).
    Get(GetArgs),
    /// Remove a mapping (the first with the ARN, or --all) or an account.
    Delete(DeleteArgs),
}

/// The flags every subcommand has.
#[derive(Debug, Args)]
struct ClusterFlags {
    /// The EKS cluster's name (required, as eksctl's; the edit goes to the current kubeconfig's
    /// cluster).
    #[arg(short = 'c', long)]
    cluster: Option<String>,
    /// The AWS region (accepted for eksctl's command lines; unused).
    #[arg(short = 'r', long)]
    region: Option<String>,
}

#[derive(Debug, Args)]
struct CreateArgs {
    #[command(flatten)]
    cluster: ClusterFlags,
    /// ARN of the IAM role or user to map.
    #[arg(long)]
    arn: Option<String>,
    /// The Kubernetes user name.
    #[arg(long)]
    username: Option<String>,
    /// Kubernetes groups (repeatable, or comma-separated).
    #[arg(long = "group", value_delimiter = ',')]
    groups: Vec<String>,
    /// An account whose identities are mapped to their ARNs.
    #[arg(long)]
    account: Option<String>,
    /// Refuse a mapping whose ARN is already mapped.
    #[arg(long)]
    no_duplicate_arns: bool,
}

/// `-o` of `get`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// eksctl's table.
    Table,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

#[derive(Debug, Args)]
struct GetArgs {
    #[command(flatten)]
    cluster: ClusterFlags,
    /// Only the mappings of this ARN.
    #[arg(long)]
    arn: Option<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    output: Format,
}

#[derive(Debug, Args)]
struct DeleteArgs {
    #[command(flatten)]
    cluster: ClusterFlags,
    /// ARN of the mapping to remove.
    #[arg(long)]
    arn: Option<String>,
    /// An account to remove.
    #[arg(long)]
    account: Option<String>,
    /// Remove every mapping with the ARN.
    #[arg(long)]
    all: bool,
}

/// Runs the subcommand; errors print as eksctl's.
pub(super) fn run(args: MappingArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = match args.command {
        MappingCommand::Create(args) => runtime.block_on(create(args)),
        MappingCommand::Get(args) => runtime.block_on(get(args)),
        MappingCommand::Delete(args) => runtime.block_on(delete(args)),
    };
    Ok(match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(format!("{error:#}")),
    })
}

fn require_cluster(flags: &ClusterFlags) -> anyhow::Result<()> {
    match flags.cluster.as_deref() {
        Some(name) if !name.is_empty() => Ok(()),
        _ => anyhow::bail!("--cluster must be set"),
    }
}

/// The aws-auth ConfigMap of the current kubeconfig's cluster (absent is fine, as eksctl).
struct Remote {
    api: Api<ConfigMap>,
    current: Option<ConfigMap>,
}

impl Remote {
    async fn load() -> anyhow::Result<(Self, AuthMap)> {
        let config = kube::Config::infer()
            .await
            .context("reading the current kubeconfig")?;
        let client = kube::Client::try_from(config).context("connecting to the cluster")?;
        let api: Api<ConfigMap> = Api::namespaced(client, aws_auth::NAMESPACE);
        let current = api
            .get_opt(aws_auth::NAME)
            .await
            .map_err(|e| anyhow::anyhow!("getting auth ConfigMap: {}", describe(e)))?;
        let data: BTreeMap<String, String> = current
            .as_ref()
            .and_then(|cm| cm.data.clone())
            .unwrap_or_default();
        Ok((Self { api, current }, AuthMap { data }))
    }

    /// eksctl's `Save`: create when the ConfigMap does not exist, else update it.
    async fn save(self, map: AuthMap) -> anyhow::Result<()> {
        match self.current {
            None => {
                let cm = ConfigMap {
                    metadata: ObjectMeta {
                        name: Some(aws_auth::NAME.into()),
                        namespace: Some(aws_auth::NAMESPACE.into()),
                        ..ObjectMeta::default()
                    },
                    data: Some(map.data),
                    ..ConfigMap::default()
                };
                self.api
                    .create(&PostParams::default(), &cm)
                    .await
                    .map_err(describe)?;
            }
            Some(mut cm) => {
                cm.data = Some(map.data);
                self.api
                    .replace(aws_auth::NAME, &PostParams::default(), &cm)
                    .await
                    .map_err(describe)?;
            }
        }
        Ok(())
    }
}

fn print_logs(logs: &Logs) {
    for (level, message) in logs {
        output::log(*level, message);
    }
}

async fn create(args: CreateArgs) -> anyhow::Result<()> {
    require_cluster(&args.cluster)?;
    let arn = args.arn.clone().unwrap_or_default();
    let username = args.username.clone().unwrap_or_default();
    if let Some(account) = &args.account {
        if !arn.is_empty() || !username.is_empty() || !args.groups.is_empty() {
            anyhow::bail!("account cannot be configured with any other options");
        }
        let (remote, mut map) = Remote::load().await?;
        let logs = map.add_account(account).map_err(anyhow::Error::msg)?;
        print_logs(&logs);
        return remote.save(map).await;
    }
    let id = EksctlIdentity::new(&arn, &username, &args.groups).map_err(anyhow::Error::msg)?;
    let (remote, mut map) = Remote::load().await?;
    let logs = map
        .create(id, args.no_duplicate_arns)
        .map_err(anyhow::Error::msg);
    let skipped = matches!(&logs, Ok(l) if l.last().is_some_and(|(_, m)| m.ends_with("skipping.")));
    match logs {
        Ok(logs) => print_logs(&logs),
        Err(e) => return Err(e),
    }
    if skipped {
        return Ok(());
    }
    remote.save(map).await
}

async fn get(args: GetArgs) -> anyhow::Result<()> {
    require_cluster(&args.cluster)?;
    let (_, map) = Remote::load().await?;
    let mut identities = map.identities().map_err(anyhow::Error::msg)?;
    if let Some(arn) = &args.arn {
        identities.retain(|i| &i.arn == arn);
        if identities.is_empty() {
            anyhow::bail!("no iamidentitymapping with arn {arn:?} found");
        }
    }
    match args.output {
        Format::Table if identities.is_empty() => println!("No iamidentitymappings found"),
        Format::Table => {
            let rows = identities
                .iter()
                .map(|i| {
                    vec![
                        i.arn.clone(),
                        i.username.clone(),
                        i.groups.join(","),
                        i.account.clone(),
                    ]
                })
                .collect();
            print!(
                "{}",
                output::table(&["ARN", "USERNAME", "GROUPS", "ACCOUNT"], rows)
            );
        }
        Format::Json => print!("{}", output::json(&auth_map::json_items(&identities))),
        Format::Yaml => print!("{}", auth_map::yaml_items(&identities)),
    }
    Ok(())
}

async fn delete(args: DeleteArgs) -> anyhow::Result<()> {
    let (arn, account) = (args.arn.as_deref(), args.account.as_deref());
    if arn.is_none() == account.is_none() {
        anyhow::bail!("either --arn or --account must be set");
    }
    require_cluster(&args.cluster)?;
    let (remote, mut map) = Remote::load().await?;
    let logs = match (arn, account) {
        (_, Some(account)) => map.remove_account(account),
        (Some(arn), None) => map.remove(arn, args.all),
        (None, None) => unreachable!("checked above"),
    }
    .map_err(anyhow::Error::msg)?;
    let (removals, warnings): (Logs, Logs) = logs
        .into_iter()
        .partition(|(level, _)| matches!(level, output::Level::Info));
    print_logs(&removals);
    remote.save(map).await?;
    print_logs(&warnings);
    Ok(())
}

/// The server's message, as eksctl shows a client-go error.
pub(super) fn describe(error: kube::Error) -> anyhow::Error {
    match error {
        kube::Error::Api(status) => anyhow::anyhow!("{}", status.message),
        other => anyhow::Error::new(other),
    }
}
