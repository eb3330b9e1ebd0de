//! What `kubeward up` gives the user's shell and kubeconfig: `--print-env` (shell exports for a
//! data directory, to `eval`, as `minikube docker-env` prints them) and `--merge-kubeconfig`
//! (its cluster, admin and OIDC users and their contexts in the user's kubeconfig, as
//! `kind create cluster` adds them).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use kube::config::Kubeconfig;

use super::up_oidc;
use crate::files::{Access, write_atomic};
use crate::kubeconfig::merge::{self, Names};

/// The cluster's name in a merged kubeconfig.
pub const MERGED_CLUSTER: &str = "kubeward";
/// The admin's context (and the current one after a merge), as kind's `kind-kind`.
pub const MERGED_ADMIN: Names<'static> = Names {
    cluster: MERGED_CLUSTER,
    user: "kubeward-admin",
    context: "kubeward",
};
/// The OIDC user's context.
pub const MERGED_OIDC: Names<'static> = Names {
    cluster: MERGED_CLUSTER,
    user: "kubeward-oidc",
    context: "kubeward-oidc",
};

/// Where a `kubeward up` on a data directory answers, as its files say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    /// The data directory (absolute).
    pub data_dir: PathBuf,
    /// `<data-dir>/admin.kubeconfig`.
    pub kubeconfig: PathBuf,
    /// The API server's URL.
    pub server: String,
    /// `<data-dir>/pki/ca.crt`.
    pub ca: PathBuf,
    /// The identity provider's URL.
    pub idp: String,
}

/// Reads the URLs of the last `kubeward up` on `data_dir` from its admin kubeconfig and
/// `idp-url`.
pub fn read(data_dir: &Path) -> anyhow::Result<Env> {
    let kubeconfig = data_dir.join("admin.kubeconfig");
    if !kubeconfig.is_file() {
        bail!(
            "{} holds no admin.kubeconfig: start `kubeward up --data-dir {0}` first (the exports name the servers it runs)",
            data_dir.display()
        );
    }
    let config = Kubeconfig::read_from(&kubeconfig)
        .with_context(|| format!("reading {}", kubeconfig.display()))?;
    let server = config
        .clusters
        .first()
        .and_then(|c| c.cluster.as_ref())
        .and_then(|c| c.server.clone())
        .with_context(|| format!("{} names no server", kubeconfig.display()))?;
    let url_file = data_dir.join(super::idp::URL_FILE);
    let idp = std::fs::read_to_string(&url_file)
        .with_context(|| format!("reading {}", url_file.display()))?
        .trim()
        .to_string();
    Ok(Env {
        data_dir: data_dir.to_path_buf(),
        ca: data_dir.join("pki").join("ca.crt"),
        kubeconfig,
        server,
        idp,
    })
}

/// The exports, one a line, values quoted for POSIX shells, then how to use them.
pub fn render(env: &Env) -> String {
    let [issuer, _] = up_oidc::issuers(&env.idp);
    let lines = [
        ("KUBECONFIG", env.kubeconfig.display().to_string()),
        ("KUBEWARD_DATA_DIR", env.data_dir.display().to_string()),
        ("KUBEWARD_SERVER", env.server.clone()),
        ("KUBEWARD_CA", env.ca.display().to_string()),
        ("KUBEWARD_IDP", env.idp.clone()),
        ("KUBEWARD_ISSUER", issuer),
    ];
    let mut out = String::new();
    for (name, value) in lines {
        out.push_str(&format!("export {name}={}\n", quote(&value)));
    }
    out.push_str("# To point your shell at this cluster, run:\n");
    out.push_str("# eval \"$(kubeward up --print-env");
    if env.data_dir != default_data_dir() {
        out.push_str(&format!(
            " --data-dir {}",
            quote(&env.data_dir.display().to_string())
        ));
    }
    out.push_str(")\"\n");
    out
}

/// `./kubeward-data`, absolute.
fn default_data_dir() -> PathBuf {
    std::path::absolute("kubeward-data").unwrap_or_default()
}

/// A value as one shell word: bare when it holds only safe characters, else in single quotes.
pub fn quote(value: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-:,@+=%".contains(c);
    if !value.is_empty() && value.chars().all(safe) {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// The kubeconfig kubectl writes to: the first file of `$KUBECONFIG`, else `~/.kube/config`.
pub fn user_kubeconfig() -> anyhow::Result<PathBuf> {
    crate::kube_config::default_files(
        std::env::var_os("KUBECONFIG").as_deref(),
        std::env::var_os("HOME").as_deref(),
    )
    .into_iter()
    .next()
    .context("neither KUBECONFIG nor HOME is set: no kubeconfig to merge into")
}

/// Adds the admin kubeconfig (and the OIDC one, when written) to `target` under
/// [`MERGED_ADMIN`] and [`MERGED_OIDC`], makes the admin's context current, and writes it back
/// (0600; a missing file and its folder are created).
pub fn merge_into(target: &Path, admin: &Path, oidc: Option<&Path>) -> anyhow::Result<()> {
    let ours = std::path::absolute(target).unwrap_or_else(|_| target.to_path_buf());
    if Some(ours.as_path()) == Some(admin) || Some(ours.as_path()) == oidc {
        bail!(
            "--merge-kubeconfig: KUBECONFIG names kubeward's own {}; point it at your kubeconfig (or unset it for ~/.kube/config)",
            target.display()
        );
    }
    let existing = match std::fs::read_to_string(target) {
        Ok(text) => Kubeconfig::from_yaml(&text).with_context(|| {
            format!(
                "--merge-kubeconfig: {} is not a kubeconfig",
                target.display()
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Kubeconfig::default(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", target.display())),
    };
    let read = |path: &Path| {
        Kubeconfig::read_from(path).with_context(|| format!("reading {}", path.display()))
    };
    let mut merged = merge::merge(existing, &read(admin)?, MERGED_ADMIN)?;
    if let Some(oidc) = oidc {
        merged = merge::merge(merged, &read(oidc)?, MERGED_OIDC)?;
    }
    merged.current_context = Some(MERGED_ADMIN.context.to_string());
    let text = serde_saphyr::to_string(&merged).context("writing the merged kubeconfig")?;
    if let Some(folder) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating {}", folder.display()))?;
    }
    write_atomic(target, text.as_bytes(), Access::Secret)
        .with_context(|| format!("writing {}", target.display()))
}

#[cfg(test)]
mod tests;
