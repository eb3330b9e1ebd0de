//! `kubeward eks access-entry create|list|delete`: EKS access entries (`aws eks
//! create-access-entry`, `associate-access-policy`, `list-access-entries`,
//! `delete-access-entry`), kept in the ConfigMap `kube-system/kubeward-eks-access-entries`,
//! with the RBAC bindings that grant their access policies.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kubeward_authn::iam::access_entries::{
    self, AccessEntry, AccessScope, POLICY_ARN_PREFIX, POLICY_GROUP_PREFIX, PolicyAssociation,
    PolicyBinding,
};
use serde_json::json;

use super::mapping::describe;
use super::output;

/// `kubeward eks access-entry …`.
#[derive(Debug, Args)]
pub(super) struct AccessArgs {
    #[command(subcommand)]
    command: AccessCommand,
}

#[derive(Debug, Subcommand)]
enum AccessCommand {
    /// Create an access entry (and associate access policies with it).
    Create(CreateArgs),
    /// List the access entries' principal ARNs.
    List(ClusterArg),
    /// Delete an access entry.
    Delete(DeleteArgs),
}

#[derive(Debug, Args)]
struct ClusterArg {
    /// The cluster's name.
    #[arg(long = "cluster-name", alias = "cluster")]
    cluster_name: String,
}

#[derive(Debug, Args)]
struct CreateArgs {
    #[command(flatten)]
    cluster: ClusterArg,
    /// The IAM user or role.
    #[arg(long)]
    principal_arn: String,
    /// Kubernetes groups (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    kubernetes_groups: Vec<String>,
    /// The Kubernetes user name (default: EKS's).
    #[arg(long)]
    username: Option<String>,
    /// STANDARD, EC2_LINUX, EC2_WINDOWS or FARGATE_LINUX.
    #[arg(long = "type", default_value = "STANDARD")]
    entry_type: String,
    /// An access policy to associate (a name like AmazonEKSViewPolicy, or its ARN; repeatable).
    #[arg(long = "policy-arn")]
    policies: Vec<String>,
    /// Where the policies apply: `type=cluster` or `type=namespace,namespaces=a,b`.
    #[arg(long, default_value = "type=cluster")]
    access_scope: String,
}

#[derive(Debug, Args)]
struct DeleteArgs {
    #[command(flatten)]
    cluster: ClusterArg,
    /// The IAM user or role.
    #[arg(long)]
    principal_arn: String,
}

/// Parses the AWS CLI's shorthand `type=namespace,namespaces=a,b`.
fn parse_scope(text: &str) -> Result<AccessScope, String> {
    let mut scope_type = None;
    let mut namespaces = Vec::new();
    let mut in_namespaces = false;
    for part in text.split(',') {
        match part.split_once('=') {
            Some(("type", value)) => {
                scope_type = Some(value.to_string());
                in_namespaces = false;
            }
            Some(("namespaces", value)) => {
                namespaces.push(value.to_string());
                in_namespaces = true;
            }
            None if in_namespaces && !part.is_empty() => namespaces.push(part.to_string()),
            _ => {
                return Err(format!(
                    "--access-scope {text:?}: expected type=cluster or type=namespace,namespaces=NS[,NS…]"
                ));
            }
        }
    }
    Ok(AccessScope {
        scope_type: scope_type.ok_or_else(|| format!("--access-scope {text:?}: no type"))?,
        namespaces,
    })
}

/// Runs the subcommand; errors print as the AWS CLI's.
pub(super) fn run(args: AccessArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        let store = Entries::load().await?;
        match args.command {
            AccessCommand::Create(args) => create(store, args).await,
            AccessCommand::List(_) => {
                let arns: Vec<&str> = store
                    .entries
                    .iter()
                    .map(|e| e.principal_arn.as_str())
                    .collect();
                println!("{}", output::json(&json!({"accessEntries": arns})));
                Ok(())
            }
            AccessCommand::Delete(args) => delete(store, args).await,
        }
    });
    Ok(match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The AWS CLI prints its errors on stderr after an empty line, and exits 254.
            eprintln!("\n{error:#}");
            ExitCode::from(254)
        }
    })
}

/// The entries ConfigMap and the cluster's client.
struct Entries {
    client: kube::Client,
    current: Option<ConfigMap>,
    entries: Vec<AccessEntry>,
}

impl Entries {
    async fn load() -> anyhow::Result<Self> {
        let config = kube::Config::infer()
            .await
            .context("reading the current kubeconfig")?;
        let client = kube::Client::try_from(config).context("connecting to the cluster")?;
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), "kube-system");
        let current = api
            .get_opt(access_entries::CONFIG_MAP_NAME)
            .await
            .map_err(describe)?;
        let text = current
            .as_ref()
            .and_then(|cm| cm.data.as_ref())
            .and_then(|d| d.get(access_entries::DATA_KEY).cloned())
            .unwrap_or_default();
        let entries = if text.trim().is_empty() {
            Vec::new()
        } else {
            serde_json::from_str(&text).with_context(|| {
                format!(
                    "kube-system/{}: {} is not a list of access entries",
                    access_entries::CONFIG_MAP_NAME,
                    access_entries::DATA_KEY
                )
            })?
        };
        Ok(Self {
            client,
            current,
            entries,
        })
    }

    /// Writes the entries, then makes the policy bindings match them.
    async fn save(self) -> anyhow::Result<()> {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), "kube-system");
        let data = BTreeMap::from([(
            access_entries::DATA_KEY.to_string(),
            serde_json::to_string(&self.entries)?,
        )]);
        match self.current {
            Some(mut cm) => {
                cm.data = Some(data);
                api.replace(access_entries::CONFIG_MAP_NAME, &PostParams::default(), &cm)
                    .await
                    .map_err(describe)?;
            }
            None => {
                let cm = ConfigMap {
                    metadata: ObjectMeta {
                        name: Some(access_entries::CONFIG_MAP_NAME.into()),
                        namespace: Some("kube-system".into()),
                        ..ObjectMeta::default()
                    },
                    data: Some(data),
                    ..ConfigMap::default()
                };
                api.create(&PostParams::default(), &cm)
                    .await
                    .map_err(describe)?;
            }
        }
        sync_bindings(&self.client, &access_entries::rbac_bindings(&self.entries)).await
    }
}

async fn create(mut store: Entries, args: CreateArgs) -> anyhow::Result<()> {
    if store
        .entries
        .iter()
        .any(|e| e.principal_arn == args.principal_arn)
    {
        anyhow::bail!(
            "An error occurred (ResourceInUseException) when calling the CreateAccessEntry operation: The specified access entry resource is already in use on this cluster."
        );
    }
    let scope = parse_scope(&args.access_scope).map_err(anyhow::Error::msg)?;
    let entry = AccessEntry {
        principal_arn: args.principal_arn.clone(),
        kubernetes_groups: args.kubernetes_groups.clone(),
        username: args.username.clone().unwrap_or_default(),
        entry_type: args.entry_type.clone(),
        access_policies: args
            .policies
            .iter()
            .map(|p| PolicyAssociation {
                policy_arn: if p.starts_with("arn:") {
                    p.clone()
                } else {
                    format!("{POLICY_ARN_PREFIX}{p}")
                },
                access_scope: scope.clone(),
            })
            .collect(),
    };
    entry.validate().map_err(|e| {
        anyhow::anyhow!(
            "An error occurred (InvalidParameterException) when calling the CreateAccessEntry operation: {e}"
        )
    })?;
    for namespace in &scope.namespaces {
        let namespaces: Api<Namespace> = Api::all(store.client.clone());
        if namespaces
            .get_opt(namespace)
            .await
            .map_err(describe)?
            .is_none()
        {
            anyhow::bail!(
                "namespace {namespace:?} not found: kubeward grants namespaced access policies with RoleBindings, so the namespace must exist"
            );
        }
    }
    let described = json!({"accessEntry": {
        "clusterName": args.cluster.cluster_name,
        "principalArn": entry.principal_arn,
        "kubernetesGroups": entry.kubernetes_groups,
        "username": entry.username_template(),
        "type": entry.entry_type,
        "accessPolicies": entry.access_policies,
    }});
    store.entries.push(entry);
    store.save().await?;
    println!("{}", output::json(&described));
    Ok(())
}

async fn delete(mut store: Entries, args: DeleteArgs) -> anyhow::Result<()> {
    let before = store.entries.len();
    store
        .entries
        .retain(|e| e.principal_arn != args.principal_arn);
    if store.entries.len() == before {
        anyhow::bail!(
            "An error occurred (ResourceNotFoundException) when calling the DeleteAccessEntry operation: The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'."
        );
    }
    store.save().await
}

/// Creates the bindings that are missing and deletes the policy bindings no entry needs.
async fn sync_bindings(client: &kube::Client, wanted: &[PolicyBinding]) -> anyhow::Result<()> {
    let subject = |group: &str| Subject {
        api_group: Some("rbac.authorization.k8s.io".into()),
        kind: "Group".into(),
        name: group.into(),
        namespace: None,
    };
    let role_ref = |role: &str| RoleRef {
        api_group: "rbac.authorization.k8s.io".into(),
        kind: "ClusterRole".into(),
        name: role.into(),
    };
    let cluster_api: Api<ClusterRoleBinding> = Api::all(client.clone());
    let namespaced_api: Api<RoleBinding> = Api::all(client.clone());
    let existing_cluster = cluster_api
        .list(&ListParams::default())
        .await
        .map_err(describe)?;
    let existing_namespaced = namespaced_api
        .list(&ListParams::default())
        .await
        .map_err(describe)?;
    for binding in wanted {
        let metadata = ObjectMeta {
            name: Some(binding.name.clone()),
            namespace: binding.namespace.clone(),
            ..ObjectMeta::default()
        };
        match &binding.namespace {
            None => {
                let exists = existing_cluster
                    .items
                    .iter()
                    .any(|b| b.metadata.name.as_deref() == Some(&binding.name));
                if !exists {
                    let object = ClusterRoleBinding {
                        metadata,
                        role_ref: role_ref(binding.cluster_role),
                        subjects: Some(vec![subject(&binding.group)]),
                    };
                    cluster_api
                        .create(&PostParams::default(), &object)
                        .await
                        .map_err(describe)?;
                }
            }
            Some(ns) => {
                let exists = existing_namespaced.items.iter().any(|b| {
                    b.metadata.name.as_deref() == Some(&binding.name)
                        && b.metadata.namespace.as_deref() == Some(ns)
                });
                if !exists {
                    let object = RoleBinding {
                        metadata,
                        role_ref: role_ref(binding.cluster_role),
                        subjects: Some(vec![subject(&binding.group)]),
                    };
                    Api::<RoleBinding>::namespaced(client.clone(), ns)
                        .create(&PostParams::default(), &object)
                        .await
                        .map_err(describe)?;
                }
            }
        }
    }
    for b in &existing_cluster.items {
        let name = b.metadata.name.as_deref().unwrap_or_default();
        if name.starts_with(POLICY_GROUP_PREFIX)
            && !wanted
                .iter()
                .any(|w| w.namespace.is_none() && w.name == name)
        {
            cluster_api
                .delete(name, &DeleteParams::default())
                .await
                .map_err(describe)?;
        }
    }
    for b in &existing_namespaced.items {
        let name = b.metadata.name.as_deref().unwrap_or_default();
        let ns = b.metadata.namespace.as_deref().unwrap_or_default();
        if name.starts_with(POLICY_GROUP_PREFIX)
            && !wanted
                .iter()
                .any(|w| w.namespace.as_deref() == Some(ns) && w.name == name)
        {
            Api::<RoleBinding>::namespaced(client.clone(), ns)
                .delete(name, &DeleteParams::default())
                .await
                .map_err(describe)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
