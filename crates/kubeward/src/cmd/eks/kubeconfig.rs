//! `kubeward eks update-kubeconfig --name NAME [--user-alias U] [--alias C] [--region R]`:
//! `aws eks update-kubeconfig`'s cluster, user and context entries, written into the kubeconfig
//! it would choose. The user runs `aws --region R eks get-token --cluster-name NAME --output
//! json`, as in the seed; the cluster's server and CA come from the current context (kubeward
//! has no `DescribeCluster` to ask).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use serde_json::{Map, Value, json};

use crate::files::{Access, write_atomic};

/// The exec API version `aws eks update-kubeconfig` writes.
const EXEC_API_VERSION: &str = "client.authentication.k8s.io/v1beta1";

/// `kubeward eks update-kubeconfig` flags (the AWS CLI's names).
#[derive(Debug, Args)]
pub(super) struct UpdateArgs {
    /// The cluster name (`--cluster-name` of `aws eks get-token`, the server's
    /// `--aws-iam-cluster-id`).
    #[arg(long)]
    name: String,
    /// The AWS region of the token (default: $AWS_REGION, then $AWS_DEFAULT_REGION).
    #[arg(long)]
    region: Option<String>,
    /// The kubeconfig to write (default: the first file of $KUBECONFIG, else ~/.kube/config).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// The name of the user entry (default: the cluster name).
    #[arg(long)]
    user_alias: Option<String>,
    /// The name of the context (default: the user entry's name).
    #[arg(long)]
    alias: Option<String>,
    /// A role for `aws eks get-token --role-arn`.
    #[arg(long)]
    role_arn: Option<String>,
    /// The AWS profile the exec plugin runs with (`env: AWS_PROFILE`).
    #[arg(long)]
    profile: Option<String>,
    /// Print the result instead of writing it.
    #[arg(long)]
    dry_run: bool,
}

/// What is added: the cluster as the current context knows it.
pub(super) struct Entries {
    pub cluster_name: String,
    pub server: String,
    pub ca_data: String,
    pub user_name: String,
    pub context_name: String,
    pub exec: Value,
}

/// The exec block of `aws eks update-kubeconfig`.
pub(super) fn exec_block(
    region: &str,
    cluster: &str,
    role_arn: Option<&str>,
    profile: Option<&str>,
) -> Value {
    let mut args = vec![
        "--region",
        region,
        "eks",
        "get-token",
        "--cluster-name",
        cluster,
        "--output",
        "json",
    ];
    if let Some(role) = role_arn {
        args.extend(["--role", role]);
    }
    let mut exec = json!({
        "apiVersion": EXEC_API_VERSION,
        "args": args,
        "command": "aws",
    });
    if let Some(profile) = profile {
        exec["env"] = json!([{"name": "AWS_PROFILE", "value": profile}]);
    }
    exec
}

/// Inserts or replaces the entries in `config` (by name) and makes the context current, as the
/// AWS CLI's `KubeconfigAppender`. Returns whether the cluster was there already.
pub(super) fn insert(config: &mut Value, entries: &Entries) -> bool {
    if !config.is_object() {
        *config = Value::Object(Map::new());
    }
    let defaults = [
        ("apiVersion", json!("v1")),
        ("clusters", json!([])),
        ("contexts", json!([])),
        ("current-context", json!("")),
        ("kind", json!("Config")),
        ("preferences", json!({})),
        ("users", json!([])),
    ];
    for (key, value) in defaults {
        let slot = &mut config[key];
        if slot.is_null() {
            *slot = value;
        }
    }
    let existing = has_entry(config, "clusters", &entries.cluster_name);
    put(
        config,
        "clusters",
        json!({"cluster": {"certificate-authority-data": entries.ca_data, "server": entries.server}, "name": entries.cluster_name}),
    );
    put(
        config,
        "users",
        json!({"name": entries.user_name, "user": {"exec": entries.exec}}),
    );
    put(
        config,
        "contexts",
        json!({"context": {"cluster": entries.cluster_name, "user": entries.user_name}, "name": entries.context_name}),
    );
    config["current-context"] = json!(entries.context_name);
    existing
}

fn has_entry(config: &Value, list: &str, name: &str) -> bool {
    config[list]
        .as_array()
        .is_some_and(|items| items.iter().any(|i| i["name"] == name))
}

fn put(config: &mut Value, list: &str, entry: Value) {
    if !config[list].is_array() {
        config[list] = json!([]);
    }
    let Some(items) = config[list].as_array_mut() else {
        return;
    };
    match items.iter_mut().find(|i| i["name"] == entry["name"]) {
        Some(slot) => *slot = entry,
        None => items.push(entry),
    }
}

/// The kubeconfig the AWS CLI would write: `--kubeconfig`, the first file of `$KUBECONFIG`,
/// else `~/.kube/config`.
fn chosen_path(flag: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = flag {
        return Ok(path.to_path_buf());
    }
    if let Some(first) = std::env::var_os("KUBECONFIG")
        .and_then(|v| std::env::split_paths(&v).find(|p| !p.as_os_str().is_empty()))
    {
        return Ok(first);
    }
    let home = std::env::var_os("HOME").context("no $HOME for ~/.kube/config")?;
    Ok(PathBuf::from(home).join(".kube").join("config"))
}

/// Runs the command.
pub(super) fn run(args: UpdateArgs) -> anyhow::Result<ExitCode> {
    let region = args
        .region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .filter(|r| !r.is_empty());
    let Some(region) = region else {
        eprintln!(
            "You must specify a region. You can also configure your region by running \"aws configure\"."
        );
        return Ok(ExitCode::from(253));
    };
    let path = chosen_path(args.kubeconfig.as_deref())?;
    let (server, ca_data) = current_cluster(&path)?;
    let user_name = args.user_alias.clone().unwrap_or_else(|| args.name.clone());
    let entries = Entries {
        cluster_name: args.name.clone(),
        server,
        ca_data,
        context_name: args.alias.clone().unwrap_or_else(|| user_name.clone()),
        user_name,
        exec: exec_block(
            &region,
            &args.name,
            args.role_arn.as_deref(),
            args.profile.as_deref(),
        ),
    };
    let mut config: Value = match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => {
            serde_saphyr::from_str(&text).with_context(|| format!("reading {}", path.display()))?
        }
        Ok(_) => Value::Null,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Value::Null,
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let existing = insert(&mut config, &entries);
    let text = serde_saphyr::to_string(&config)?;
    if args.dry_run {
        print!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    write_atomic(&path, text.as_bytes(), Access::Secret)
        .with_context(|| format!("writing {}", path.display()))?;
    if existing {
        println!(
            "Updated context {} in {}",
            entries.context_name,
            path.display()
        );
    } else {
        println!(
            "Added new context {} to {}",
            entries.context_name,
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The server and CA (base64 PEM) of the current context of the kubeconfig at `path` (or of the
/// merged `$KUBECONFIG` when that file has none).
fn current_cluster(path: &Path) -> anyhow::Result<(String, String)> {
    let from_file = kube::config::Kubeconfig::read_from(path).ok();
    let kubeconfig = match from_file {
        Some(k) if k.current_context.is_some() => k,
        _ => kube::config::Kubeconfig::read().context(
            "no current context to take the cluster's server and CA from (use the admin kubeconfig of `kubeward up`)",
        )?,
    };
    let context_name = kubeconfig
        .current_context
        .clone()
        .context("the kubeconfig has no current-context")?;
    let context = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context_name)
        .and_then(|c| c.context.clone())
        .with_context(|| format!("context {context_name:?} not found"))?;
    let cluster = kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == context.cluster)
        .and_then(|c| c.cluster.clone())
        .with_context(|| format!("cluster {:?} not found", context.cluster))?;
    let server = cluster
        .server
        .context("the current cluster has no server")?;
    let ca_data = match (
        cluster.certificate_authority_data,
        cluster.certificate_authority,
    ) {
        (Some(data), _) => data,
        (None, Some(file)) => {
            use base64::Engine as _;
            let pem = std::fs::read(&file).with_context(|| format!("reading {file}"))?;
            base64::engine::general_purpose::STANDARD.encode(pem)
        }
        (None, None) => String::new(),
    };
    Ok((server, ca_data))
}

#[cfg(test)]
mod tests;
