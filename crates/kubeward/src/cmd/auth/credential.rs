//! The token to explain: `--token`, `--token-file`, or the current kubeconfig's credential — a
//! static token, a token file, or the exec plugin run as kubectl runs it (`KUBERNETES_EXEC_INFO`,
//! the plugin's `env`, a relative command resolved against the kubeconfig's folder).

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

/// A token and where it came from (never the token itself, for printing).
pub(super) struct Credential {
    /// The bearer token.
    pub token: String,
    /// Where it came from, e.g. `--token-file t.jwt` or `kubeconfig user "oidc" (exec: kubectl)`.
    pub source: String,
}

/// The kubeconfig files in kubectl's order: `--kubeconfig`, else `$KUBECONFIG`, else
/// `~/.kube/config`.
pub(super) fn kubeconfig_paths(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(path) = explicit {
        return vec![path.to_path_buf()];
    }
    if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return std::env::split_paths(&list).collect();
    }
    std::env::var_os("HOME")
        .map(|home| vec![PathBuf::from(home).join(".kube/config")])
        .unwrap_or_default()
}

/// A loaded kubeconfig file.
struct Loaded {
    path: PathBuf,
    config: Value,
}

fn load(paths: &[PathBuf]) -> anyhow::Result<Vec<Loaded>> {
    let mut loaded = Vec::new();
    for path in paths {
        if !path.exists() {
            continue;
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the kubeconfig {}", path.display()))?;
        let config: Value = serde_saphyr::from_str(&text)
            .with_context(|| format!("cannot read the kubeconfig {}", path.display()))?;
        loaded.push(Loaded {
            path: path.clone(),
            config,
        });
    }
    if loaded.is_empty() {
        bail!(
            "no token to explain: give --token or --token-file, or a kubeconfig ($KUBECONFIG, ~/.kube/config, --kubeconfig)"
        );
    }
    Ok(loaded)
}

/// The first entry named `name` in list `list` of the merged files (kubectl: first wins).
fn named<'a>(files: &'a [Loaded], list: &str, name: &str) -> Option<(&'a Loaded, &'a Value)> {
    files.iter().find_map(|file| {
        file.config[list]
            .as_array()?
            .iter()
            .find(|entry| entry["name"] == name)
            .map(|entry| (file, entry))
    })
}

/// The current context's credential.
pub(super) fn from_kubeconfig(
    explicit: Option<&Path>,
    context: Option<&str>,
) -> anyhow::Result<Credential> {
    let files = load(&kubeconfig_paths(explicit))?;
    let context = match context {
        Some(c) => c.to_string(),
        None => files
            .iter()
            .find_map(|f| {
                f.config["current-context"]
                    .as_str()
                    .filter(|c| !c.is_empty())
            })
            .map(str::to_string)
            .context("the kubeconfig has no current-context: give --context")?,
    };
    let (_, ctx) = named(&files, "contexts", &context)
        .with_context(|| format!("context was not found for specified context: {context}"))?;
    let user_name = ctx["context"]["user"].as_str().unwrap_or_default();
    let cluster_name = ctx["context"]["cluster"].as_str().unwrap_or_default();
    let (file, user) = named(&files, "users", user_name).with_context(|| {
        format!("user {user_name:?} of context {context:?} is not in the kubeconfig")
    })?;
    let user = &user["user"];
    let source = |how: &str| format!("kubeconfig user {user_name:?} ({how})");
    if let Some(token) = user["token"].as_str().filter(|t| !t.is_empty()) {
        return Ok(Credential {
            token: token.to_string(),
            source: source("token"),
        });
    }
    if let Some(path) = user["tokenFile"].as_str().filter(|t| !t.is_empty()) {
        let path = relative_to(&file.path, path);
        return Ok(Credential {
            token: read_token_file(&path)?,
            source: source(&format!("tokenFile {}", path.display())),
        });
    }
    if user["exec"].is_object() {
        let cluster = named(&files, "clusters", cluster_name).map(|(_, c)| &c["cluster"]);
        let token = run_exec(&file.path, &user["exec"], cluster)?;
        let command = user["exec"]["command"].as_str().unwrap_or_default();
        return Ok(Credential {
            token,
            source: source(&format!("exec: {command}")),
        });
    }
    bail!(
        "kubeconfig user {user_name:?} has no token (a client certificate is not a token): give --token or --token-file"
    )
}

/// A token file's contents, trimmed (as kubectl reads `tokenFile`).
pub(super) fn read_token_file(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the token file {}", path.display()))?;
    let token = text.trim();
    if token.is_empty() {
        bail!("the token file {} is empty", path.display());
    }
    Ok(token.to_string())
}

/// kubectl resolves relative paths of a kubeconfig against the file's folder.
fn relative_to(kubeconfig: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    kubeconfig
        .parent()
        .map(|dir| dir.join(path))
        .unwrap_or_else(|| path.to_path_buf())
}

/// Runs the exec credential plugin as client-go does and returns `status.token`.
fn run_exec(kubeconfig: &Path, exec: &Value, cluster: Option<&Value>) -> anyhow::Result<String> {
    let command = exec["command"]
        .as_str()
        .filter(|c| !c.is_empty())
        .context("the kubeconfig's exec plugin has no command")?;
    let api_version = exec["apiVersion"].as_str().unwrap_or_default();
    if !matches!(
        api_version,
        "client.authentication.k8s.io/v1" | "client.authentication.k8s.io/v1beta1"
    ) {
        bail!(
            "exec plugin: invalid apiVersion {api_version:?} (client.authentication.k8s.io/v1 or v1beta1)"
        );
    }
    // client-go: a command with a path separator but not absolute is relative to the kubeconfig.
    let program = if command.contains('/') && !Path::new(command).is_absolute() {
        relative_to(kubeconfig, command)
    } else {
        PathBuf::from(command)
    };
    let interactive_mode = exec["interactiveMode"].as_str().unwrap_or("IfAvailable");
    let interactive = interactive_mode != "Never" && std::io::stdin().is_terminal();
    let mut spec = json!({ "interactive": interactive });
    if exec["provideClusterInfo"] == true
        && let Some(cluster) = cluster
    {
        let mut info = json!({ "server": cluster["server"] });
        for key in [
            "certificate-authority-data",
            "tls-server-name",
            "insecure-skip-tls-verify",
            "proxy-url",
        ] {
            if !cluster[key].is_null() {
                info[key] = cluster[key].clone();
            }
        }
        spec["cluster"] = info;
    }
    let exec_info = json!({
        "kind": "ExecCredential",
        "apiVersion": api_version,
        "spec": spec,
    });
    let mut child = Command::new(&program);
    child
        .args(
            exec["args"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str),
        )
        .env("KUBERNETES_EXEC_INFO", exec_info.to_string())
        .stdin(if interactive {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for pair in exec["env"].as_array().into_iter().flatten() {
        if let (Some(name), Some(value)) = (pair["name"].as_str(), pair["value"].as_str()) {
            child.env(name, value);
        }
    }
    let output = child.output().with_context(|| {
        let hint = exec["installHint"].as_str().unwrap_or_default();
        format!(
            "exec plugin: cannot run {}{}{hint}",
            program.display(),
            if hint.is_empty() { "" } else { ": " }
        )
    })?;
    if !output.status.success() {
        bail!(
            "exec plugin: {} failed with {}",
            program.display(),
            output.status
        );
    }
    let credential: Value = serde_json::from_slice(&output.stdout)
        .context("exec plugin: decoding stdout: not an ExecCredential")?;
    if credential["kind"] != "ExecCredential" || credential["apiVersion"] != api_version {
        bail!(
            "exec plugin: output is not an ExecCredential of {api_version} (got kind {} apiVersion {})",
            credential["kind"],
            credential["apiVersion"]
        );
    }
    match credential["status"]["token"].as_str() {
        Some(token) if !token.is_empty() => Ok(token.to_string()),
        _ => bail!(
            "exec plugin: the ExecCredential has no status.token (client certificates are not tokens)"
        ),
    }
}

#[cfg(test)]
mod tests;
