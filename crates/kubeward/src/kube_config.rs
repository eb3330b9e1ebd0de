//! Which cluster a client command talks to, as kubectl chooses it: `--kubeconfig`, else the
//! files of `$KUBECONFIG`, else `~/.kube/config`, else the in-cluster account of a pod; and one
//! clear sentence when there is none, instead of the client library's doubled error chain.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

/// The client configuration of `kubeconfig` (or the default files) and `context` (or the
/// current one).
pub async fn load(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
) -> anyhow::Result<kube::Config> {
    let options = kube::config::KubeConfigOptions {
        context: context.map(str::to_string),
        ..Default::default()
    };
    if let Some(path) = kubeconfig {
        let file = kube::config::Kubeconfig::read_from(path)
            .with_context(|| format!("cannot read the kubeconfig {}", path.display()))?;
        return kube::Config::from_custom_kubeconfig(file, &options)
            .await
            .with_context(|| format!("cannot use the kubeconfig {}", path.display()));
    }
    let env = std::env::var_os("KUBECONFIG");
    let home = std::env::var_os("HOME");
    let candidates = default_files(env.as_deref(), home.as_deref());
    if !candidates.iter().any(|p| p.is_file()) {
        if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
            return kube::Config::incluster()
                .context("cannot use the pod's ServiceAccount to reach the cluster");
        }
        bail!("{}", missing(env.as_deref(), &candidates));
    }
    kube::Config::from_kubeconfig(&options)
        .await
        .context("cannot use the kubeconfig")
}

/// The files kubectl reads: those of `$KUBECONFIG` (`:`-separated, empty entries skipped),
/// else `~/.kube/config`.
pub fn default_files(
    env: Option<&std::ffi::OsStr>,
    home: Option<&std::ffi::OsStr>,
) -> Vec<PathBuf> {
    match env.filter(|v| !v.is_empty()) {
        Some(list) => std::env::split_paths(list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        None => home
            .map(|h| vec![Path::new(h).join(".kube").join("config")])
            .unwrap_or_default(),
    }
}

/// The sentence for "no kubeconfig".
fn missing(env: Option<&std::ffi::OsStr>, candidates: &[PathBuf]) -> String {
    let names: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    match env.filter(|v| !v.is_empty()) {
        Some(_) => format!(
            "no kubeconfig: none of the files in $KUBECONFIG exists ({}); give --kubeconfig, or point KUBECONFIG at a kubeconfig (kubeward up writes <data-dir>/admin.kubeconfig)",
            names.join(", ")
        ),
        None => format!(
            "no kubeconfig: {} does not exist and KUBECONFIG is not set; give --kubeconfig, or point KUBECONFIG at a kubeconfig (kubeward up writes <data-dir>/admin.kubeconfig)",
            names.first().map_or("~/.kube/config", String::as_str)
        ),
    }
}

#[cfg(test)]
mod tests;
