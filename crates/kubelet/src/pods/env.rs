//! A container's environment as the kubelet makes it (`makeEnvironmentVariables`): the API
//! server's `KUBERNETES_SERVICE_*` variables, `envFrom`, `env` with `$(VAR)` expansion and the
//! downward API. Pure: ConfigMaps and Secrets come in already read.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Pod};

/// The data of the ConfigMaps and Secrets a container refers to, by name (Secret values
/// decoded).
#[derive(Debug, Default, Clone)]
pub struct Sources {
    /// ConfigMap name → data.
    pub config_maps: BTreeMap<String, BTreeMap<String, String>>,
    /// Secret name → data.
    pub secrets: BTreeMap<String, BTreeMap<String, String>>,
}

/// The ConfigMaps and Secrets `container` refers to: (config map names, secret names).
pub fn referenced(container: &Container) -> (Vec<String>, Vec<String>) {
    let mut config_maps = Vec::new();
    let mut secrets = Vec::new();
    for from in container.env_from.iter().flatten() {
        if let Some(r) = &from.config_map_ref {
            config_maps.push(r.name.clone());
        }
        if let Some(r) = &from.secret_ref {
            secrets.push(r.name.clone());
        }
    }
    for var in container.env.iter().flatten() {
        if let Some(source) = &var.value_from {
            if let Some(r) = &source.config_map_key_ref {
                config_maps.push(r.name.clone());
            }
            if let Some(r) = &source.secret_key_ref {
                secrets.push(r.name.clone());
            }
        }
    }
    config_maps.sort();
    config_maps.dedup();
    secrets.sort();
    secrets.dedup();
    (config_maps, secrets)
}

/// `$(VAR)` expansion (`third_party/forked/golang/expansion`): a defined variable is replaced,
/// an undefined one stays as written, `$$` is a literal `$`.
pub fn expand(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('(') {
            match body.find(')') {
                Some(close) => {
                    let name = &body[..close];
                    match lookup(name) {
                        Some(value) => out.push_str(&value),
                        None => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    rest = &body[close + 1..];
                }
                None => {
                    out.push_str("$(");
                    rest = body;
                }
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The downward API value of `field_path` (`metadata.name`, `status.podIP`, …).
fn field_value(pod: &Pod, field_path: &str, host_ip: &str, node: &str) -> Option<String> {
    let meta = &pod.metadata;
    let spec = pod.spec.as_ref();
    if let Some(key) = field_path
        .strip_prefix("metadata.labels['")
        .and_then(|k| k.strip_suffix("']"))
    {
        return Some(meta.labels.as_ref()?.get(key).cloned().unwrap_or_default());
    }
    if let Some(key) = field_path
        .strip_prefix("metadata.annotations['")
        .and_then(|k| k.strip_suffix("']"))
    {
        return Some(
            meta.annotations
                .as_ref()?
                .get(key)
                .cloned()
                .unwrap_or_default(),
        );
    }
    Some(match field_path {
        "metadata.name" => meta.name.clone().unwrap_or_default(),
        "metadata.namespace" => meta.namespace.clone().unwrap_or_default(),
        "metadata.uid" => meta.uid.clone().unwrap_or_default(),
        "spec.nodeName" => node.to_string(),
        "spec.serviceAccountName" => spec
            .and_then(|s| s.service_account_name.clone())
            .unwrap_or_default(),
        "status.podIP" | "status.hostIP" | "status.podIPs" | "status.hostIPs" => {
            host_ip.to_string()
        }
        _ => return None,
    })
}

/// What the environment is built from besides the container.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The pod.
    pub pod: &'a Pod,
    /// The node's name.
    pub node: &'a str,
    /// The node's address (the pod's IP too).
    pub host_ip: &'a str,
    /// The API server's host and port, for `KUBERNETES_SERVICE_HOST`/`_PORT`.
    pub api_host: &'a str,
    /// The API server's port.
    pub api_port: u16,
    /// The ConfigMaps and Secrets read for the container.
    pub sources: &'a Sources,
}

/// The container's environment, or the kubelet's `CreateContainerConfigError` message.
pub fn container_env(
    container: &Container,
    context: &Context<'_>,
) -> Result<Vec<(String, String)>, String> {
    let namespace = context.pod.metadata.namespace.as_deref().unwrap_or("");
    let port = context.api_port.to_string();
    let address = format!("tcp://{}:{port}", context.api_host);
    let service: Vec<(String, String)> = vec![
        ("KUBERNETES_SERVICE_HOST".into(), context.api_host.into()),
        ("KUBERNETES_SERVICE_PORT".into(), port.clone()),
        ("KUBERNETES_SERVICE_PORT_HTTPS".into(), port.clone()),
        ("KUBERNETES_PORT".into(), address.clone()),
        (format!("KUBERNETES_PORT_{port}_TCP"), address),
        (format!("KUBERNETES_PORT_{port}_TCP_PROTO"), "tcp".into()),
        (format!("KUBERNETES_PORT_{port}_TCP_PORT"), port.clone()),
        (
            format!("KUBERNETES_PORT_{port}_TCP_ADDR"),
            context.api_host.into(),
        ),
    ];
    let mut vars: Vec<(String, String)> = Vec::new();
    let set = |vars: &mut Vec<(String, String)>, name: String, value: String| {
        if let Some(existing) = vars.iter_mut().find(|(n, _)| *n == name) {
            existing.1 = value;
        } else {
            vars.push((name, value));
        }
    };
    for from in container.env_from.iter().flatten() {
        let prefix = from.prefix.clone().unwrap_or_default();
        let (data, kind, name, optional) = if let Some(r) = &from.config_map_ref {
            (
                context.sources.config_maps.get(&r.name),
                "configmap",
                &r.name,
                r.optional == Some(true),
            )
        } else if let Some(r) = &from.secret_ref {
            (
                context.sources.secrets.get(&r.name),
                "secret",
                &r.name,
                r.optional == Some(true),
            )
        } else {
            continue;
        };
        match data {
            Some(data) => {
                for (key, value) in data {
                    set(&mut vars, format!("{prefix}{key}"), value.clone());
                }
            }
            None if optional => {}
            None => return Err(format!("{kind} {name:?} not found")),
        }
    }
    for var in container.env.iter().flatten() {
        let lookup = |name: &str| {
            vars.iter()
                .chain(service.iter())
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let value = if let Some(value) = &var.value {
            expand(value, &lookup)
        } else if let Some(source) = &var.value_from {
            if let Some(field) = &source.field_ref {
                field_value(
                    context.pod,
                    &field.field_path,
                    context.host_ip,
                    context.node,
                )
                .unwrap_or_default()
            } else if let Some(r) = &source.config_map_key_ref {
                match context.sources.config_maps.get(&r.name) {
                    Some(data) => match data.get(&r.key) {
                        Some(value) => value.clone(),
                        None if r.optional == Some(true) => continue,
                        None => {
                            return Err(format!(
                                "couldn't find key {} in ConfigMap {namespace}/{}",
                                r.key, r.name
                            ));
                        }
                    },
                    None if r.optional == Some(true) => continue,
                    None => return Err(format!("configmap {:?} not found", r.name)),
                }
            } else if let Some(r) = &source.secret_key_ref {
                match context.sources.secrets.get(&r.name) {
                    Some(data) => match data.get(&r.key) {
                        Some(value) => value.clone(),
                        None if r.optional == Some(true) => continue,
                        None => {
                            return Err(format!(
                                "couldn't find key {} in Secret {namespace}/{}",
                                r.key, r.name
                            ));
                        }
                    },
                    None if r.optional == Some(true) => continue,
                    None => return Err(format!("secret {:?} not found", r.name)),
                }
            } else {
                String::new()
            }
        } else {
            String::new()
        };
        set(&mut vars, var.name.clone(), value);
    }
    for (name, value) in service {
        if !vars.iter().any(|(n, _)| *n == name) {
            vars.push((name, value));
        }
    }
    Ok(vars)
}

/// The container's command line with `$(VAR)` expanded from its environment: `command` then
/// `args`. Empty when the spec gives no command (the image's entrypoint is unknown here).
pub fn command_line(container: &Container, env: &[(String, String)]) -> Vec<String> {
    let lookup = |name: &str| env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    container
        .command
        .iter()
        .flatten()
        .chain(container.args.iter().flatten())
        .map(|part| expand(part, &lookup))
        .collect()
}

#[cfg(test)]
mod tests;
