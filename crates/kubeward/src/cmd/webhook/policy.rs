//! Where the webhook's RBAC policy comes from: manifests (files or directories, with the
//! bootstrap policy, read once) or a live cluster (the current kubeconfig or `--kubeconfig`),
//! listed again every `--policy-resync` so that its changes are answered within that time; a
//! failed listing keeps the last policy.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use kubeward_analysis::sources::{self, live};
use kubeward_rbac::Policy;

use crate::cmd::rbac::source::{ClusterArgs, client};

/// The policy flags.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Manifest files or directories with Roles, ClusterRoles and their bindings (YAML or JSON,
    /// as `kubeward rbac --from` reads them). Without it, the RBAC objects of the kubeconfig's
    /// cluster are read.
    #[arg(long = "policy-dir", short = 'f', visible_alias = "from", value_name = "PATH", num_args = 1..)]
    paths: Vec<PathBuf>,
    /// With manifests, leave out the bootstrap policy that kube-apiserver creates.
    #[arg(long)]
    no_bootstrap: bool,
    /// How often a live cluster's RBAC objects are listed again (e.g. 10s, 1m).
    #[arg(long, default_value = "10s", value_parser = crate::cmd::limits::parse_duration)]
    policy_resync: Duration,
    #[command(flatten)]
    cluster: ClusterArgs,
}

/// Where a loaded policy goes.
pub type Install = std::sync::Arc<dyn Fn(Policy) + Send + Sync>;

impl PolicyArgs {
    /// Without manifests and without `--kubeconfig`, the cluster of `kubeconfig` (`context`).
    pub fn default_cluster(&mut self, kubeconfig: &std::path::Path, context: Option<&str>) {
        if self.cluster.kubeconfig.is_none() {
            self.cluster.kubeconfig = Some(kubeconfig.to_path_buf());
            self.cluster.context = context.map(String::from);
        }
    }

    /// Loads the policy and hands it to `install` (manifests now; a cluster now and then every
    /// resync, in the background) and says where it comes from.
    pub async fn start(&self, install: Install) -> anyhow::Result<String> {
        if !self.paths.is_empty() {
            let manifests = sources::load_paths(&self.paths).context("cannot load the policy")?;
            let loaded = sources::build_policy(manifests, !self.no_bootstrap);
            for warning in &loaded.warnings {
                eprintln!("Warning: {warning}");
            }
            install(loaded.policy);
            let names: Vec<String> = self.paths.iter().map(|p| p.display().to_string()).collect();
            return Ok(format!("manifests {}", names.join(", ")));
        }
        let client = client(&self.cluster).await?;
        let manifests = live::load(&client, &mut |_, _| {})
            .await
            .context("cannot read the cluster's RBAC objects")?;
        install(sources::build_policy(manifests, false).policy);
        let resync = self.policy_resync.max(Duration::from_secs(1));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(resync).await;
                match live::load(&client, &mut |_, _| {}).await {
                    Ok(manifests) => install(sources::build_policy(manifests, false).policy),
                    Err(error) => eprintln!(
                        "Warning: listing the cluster's RBAC objects failed, the last policy stays: {error}"
                    ),
                }
            }
        });
        Ok(format!(
            "the cluster of the kubeconfig, listed every {}",
            kubeward_webhook::duration::format(resync)
        ))
    }
}
