//! The cluster that `kubeward auth explain` asks for the RBAC answer and reads the IAM mappings
//! from: the admin kubeconfig of a `kubeward up` data directory, else the given kubeconfig, else
//! the default one.

use std::path::Path;

use anyhow::Context as _;

/// Where the cluster's client comes from.
pub(super) struct Cluster<'a> {
    /// The data directory of a `kubeward up` (`--data-dir`), whose admin kubeconfig comes first.
    pub(super) data_dir: Option<&'a Path>,
    /// `--kubeconfig`.
    pub(super) kubeconfig: Option<&'a Path>,
    /// `--context`.
    pub(super) context: Option<&'a str>,
}

impl Cluster<'_> {
    /// The client: `up`'s admin kubeconfig, else `--kubeconfig`, else the default kubeconfig.
    pub(super) async fn client(&self) -> anyhow::Result<kube::Client> {
        let admin = self
            .data_dir
            .map(|d| d.join("admin.kubeconfig"))
            .filter(|p| p.exists());
        let config = match admin {
            Some(path) => crate::kube_config::load(Some(&path), None).await?,
            None => crate::kube_config::load(self.kubeconfig, self.context)
                .await
                .context(
                    "no cluster to ask the RBAC question: give --from PATH, --data-dir or --kubeconfig",
                )?,
        };
        kube::Client::try_from(config).context("cannot set up the client for the cluster")
    }
}
