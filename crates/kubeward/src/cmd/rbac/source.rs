//! Where a subcommand's policy comes from: manifests (`--from PATH…`, with the bootstrap policy)
//! or, without `--from`, the cluster of the current kubeconfig, read through `kube::Client` (exec
//! credential plugins included) with progress on stderr when it is a terminal.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use kubeward_analysis::sources::{self, LoadedPolicy, live};

/// Where the policy comes from.
#[derive(Debug, Clone, Args)]
pub(super) struct PolicySource {
    /// Manifest files or directories (YAML or JSON; multi-document files and Lists); objects that
    /// are not RBAC objects are skipped. Without --from, the current kubeconfig's cluster is read.
    #[arg(long = "from", value_name = "PATH", num_args = 1..)]
    pub from: Vec<PathBuf>,
    /// With --from, leave out the bootstrap policy that kube-apiserver creates (cluster-admin,
    /// system:basic-user, …).
    #[arg(long)]
    pub no_bootstrap: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// Which cluster to talk to.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct ClusterArgs {
    /// The kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

impl PolicySource {
    /// Whether the policy is read from the cluster.
    pub fn is_live(&self) -> bool {
        self.from.is_empty()
    }
}

/// A single-threaded runtime for the client calls.
pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// A client for the cluster of the kubeconfig (exec plugins, certificates, tokens as kubectl).
pub(crate) async fn client(cluster: &ClusterArgs) -> anyhow::Result<kube::Client> {
    let config =
        crate::kube_config::load(cluster.kubeconfig.as_deref(), cluster.context.as_deref()).await?;
    kube::Client::try_from(config).context("cannot set up the client for the cluster")
}

/// Loads the policy from `source`, printing the loader's warnings (bindings to missing roles).
pub(super) fn load(source: &PolicySource) -> anyhow::Result<LoadedPolicy> {
    let loaded = if source.is_live() {
        let rt = runtime()?;
        rt.block_on(async {
            let client = client(&source.cluster).await?;
            load_live(&client).await
        })?
    } else {
        let manifests = sources::load_paths(&source.from).context("cannot load the policy")?;
        sources::build_policy(manifests, !source.no_bootstrap)
    };
    for warning in &loaded.warnings {
        eprintln!("Warning: {warning}");
    }
    Ok(loaded)
}

/// Whether loading the live policy failed because the user may not list the RBAC objects.
pub(super) fn is_forbidden(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<live::LiveError>(),
        Some(live::LiveError::Forbidden { .. })
    )
}

/// Reads the cluster's RBAC objects, showing progress on a terminal.
pub(super) async fn load_live(client: &kube::Client) -> anyhow::Result<LoadedPolicy> {
    let terminal = std::io::stderr().is_terminal();
    let mut progress = |kind: &str, count: usize| {
        if terminal {
            eprint!("\r\x1b[Kreading {kind}: {count}");
            let _ = std::io::stderr().flush();
        }
    };
    let manifests = live::load(client, &mut progress).await;
    if terminal {
        eprint!("\r\x1b[K");
    }
    Ok(sources::build_policy(manifests?, false))
}
