//! How a container's processes are started: their environment (from the pod, the node, and the
//! ConfigMaps and Secrets the container refers to), and their working directory.

use std::collections::BTreeMap;
use std::path::PathBuf;

use k8s_openapi::api::core::v1::{ConfigMap, Container, Secret};
use kube::Api;

use super::context::NodeContext;
use super::env::{self, Sources};
use super::process::ProcessSpec;
use super::{PodRuntime, token};

/// The environment, command and working directory of a container's processes; the error is
/// the kubelet's `CreateContainerConfigError` message.
pub async fn process_spec(
    ctx: &NodeContext,
    pod: &PodRuntime,
    container: &Container,
) -> Result<ProcessSpec, String> {
    let object = pod.pod();
    let (config_maps, secrets) = env::referenced(container);
    let mut sources = Sources::default();
    let maps: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &pod.namespace);
    for name in config_maps {
        if let Ok(Some(map)) = maps.get_opt(&name).await {
            sources
                .config_maps
                .insert(name, map.data.unwrap_or_default());
        }
    }
    let secret_api: Api<Secret> = Api::namespaced(ctx.client.clone(), &pod.namespace);
    for name in secrets {
        if let Ok(Some(secret)) = secret_api.get_opt(&name).await {
            let mut data: BTreeMap<String, String> = BTreeMap::new();
            for (key, value) in secret.data.unwrap_or_default() {
                data.insert(key, String::from_utf8_lossy(&value.0).into_owned());
            }
            for (key, value) in secret.string_data.unwrap_or_default() {
                data.insert(key, value);
            }
            sources.secrets.insert(name, data);
        }
    }
    let mut vars = env::container_env(
        container,
        &env::Context {
            pod: &object,
            node: &ctx.node_name,
            host_ip: &ctx.host_ip,
            api_host: &ctx.api_host,
            api_port: ctx.api_port,
            sources: &sources,
        },
    )?;
    let root = pod.dir.join("root");
    std::fs::create_dir_all(&root).map_err(|e| format!("creating {}: {e}", root.display()))?;
    let mut defaults = vec![
        ("PATH".to_string(), ctx.path.clone()),
        ("HOSTNAME".to_string(), pod.name.clone()),
        ("HOME".to_string(), root.display().to_string()),
    ];
    if token::source_of(&object).is_some() {
        let kubeconfig = token::directory(&pod.dir).join("kubeconfig");
        defaults.push(("KUBECONFIG".to_string(), kubeconfig.display().to_string()));
    }
    for (name, value) in defaults {
        if !vars.iter().any(|(n, _)| *n == name) {
            vars.push((name, value));
        }
    }
    let cwd = match container.working_dir.as_deref().filter(|d| !d.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if !dir.is_dir() {
                return Err(format!(
                    "chdir to cwd ({:?}) set in config.json failed: no such file or directory",
                    dir.display().to_string()
                ));
            }
            dir
        }
        None => root,
    };
    Ok(ProcessSpec { env: vars, cwd })
}
