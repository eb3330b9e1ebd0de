//! `/livez`, `/readyz` and `/healthz` with kube-apiserver's named checks: `ok`, or with
//! `?verbose` one `[+]name ok` line a check and `<endpoint> check passed`; a failing check makes
//! the answer 500 with `[-]name failed: reason withheld` and `<endpoint> check failed`; `?exclude=`
//! leaves checks out; `/<endpoint>/<check>` runs one check. The post-start hooks named as
//! kube-apiserver 1.33 names them pass once what they stand for here is done: the bootstrap
//! objects (namespaces, RBAC policy, system PriorityClasses, the `kubernetes` Service) are in
//! place, and the controllers (CRDs' included) have handled the store. Readiness fails until
//! then, when the store does not answer, and once the server is shutting down.

use http::Response;

use super::context::Context;
use crate::codec::respond::{self, Body};
use crate::state::State;

/// The endpoints.
const ENDPOINTS: [&str; 3] = ["livez", "readyz", "healthz"];

/// One named check.
struct Check {
    name: &'static str,
    run: fn(&State) -> Result<(), String>,
}

fn ping(_: &State) -> Result<(), String> {
    Ok(())
}

fn store(state: &State) -> Result<(), String> {
    state
        .store
        .revision()
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn bootstrapped(state: &State) -> Result<(), String> {
    if state.health.bootstrapped() {
        Ok(())
    } else {
        Err("not finished".to_string())
    }
}

fn informer_sync(state: &State) -> Result<(), String> {
    if state.health.synced() {
        Ok(())
    } else {
        Err("the controllers have not handled the store yet".to_string())
    }
}

fn shutdown(state: &State) -> Result<(), String> {
    if state.health.shutting_down() {
        Err("process is shutting down".to_string())
    } else {
        Ok(())
    }
}

const PING: Check = Check {
    name: "ping",
    run: ping,
};
const LOG: Check = Check {
    name: "log",
    run: ping,
};
const ETCD: Check = Check {
    name: "etcd",
    run: store,
};
const ETCD_READINESS: Check = Check {
    name: "etcd-readiness",
    run: store,
};
const INFORMER_SYNC: Check = Check {
    name: "informer-sync",
    run: informer_sync,
};
const BOOTSTRAP_ROLES: Check = Check {
    name: "poststarthook/rbac/bootstrap-roles",
    run: bootstrapped,
};
const APIEXTENSIONS_INFORMERS: Check = Check {
    name: "poststarthook/start-apiextensions-informers",
    run: informer_sync,
};
const APIEXTENSIONS_CONTROLLERS: Check = Check {
    name: "poststarthook/start-apiextensions-controllers",
    run: informer_sync,
};
const CRD_INFORMER_SYNCED: Check = Check {
    name: "poststarthook/crd-informer-synced",
    run: informer_sync,
};
const SYSTEM_NAMESPACES: Check = Check {
    name: "poststarthook/start-system-namespaces-controller",
    run: bootstrapped,
};
const SYSTEM_PRIORITY_CLASSES: Check = Check {
    name: "poststarthook/scheduling/bootstrap-system-priority-classes",
    run: bootstrapped,
};
const BOOTSTRAP_CONTROLLER: Check = Check {
    name: "poststarthook/bootstrap-controller",
    run: bootstrapped,
};
const SHUTDOWN: Check = Check {
    name: "shutdown",
    run: shutdown,
};

fn checks(endpoint: &str) -> &'static [Check] {
    match endpoint {
        "readyz" => &[
            PING,
            LOG,
            ETCD,
            ETCD_READINESS,
            INFORMER_SYNC,
            APIEXTENSIONS_INFORMERS,
            APIEXTENSIONS_CONTROLLERS,
            CRD_INFORMER_SYNCED,
            SYSTEM_NAMESPACES,
            BOOTSTRAP_ROLES,
            SYSTEM_PRIORITY_CLASSES,
            BOOTSTRAP_CONTROLLER,
            SHUTDOWN,
        ],
        _ => &[
            PING,
            LOG,
            ETCD,
            APIEXTENSIONS_INFORMERS,
            APIEXTENSIONS_CONTROLLERS,
            CRD_INFORMER_SYNCED,
            SYSTEM_NAMESPACES,
            BOOTSTRAP_ROLES,
            SYSTEM_PRIORITY_CLASSES,
            BOOTSTRAP_CONTROLLER,
        ],
    }
}

/// Whether `path` is a health endpoint or one of its checks.
pub fn is_health(path: &str) -> bool {
    let path = path.trim_start_matches('/');
    ENDPOINTS
        .iter()
        .any(|e| path == *e || path.starts_with(&format!("{e}/")))
}

/// Answers a health endpoint.
pub fn serve(context: &Context<'_>) -> Response<Body> {
    let path = context
        .info
        .path
        .trim_start_matches('/')
        .trim_end_matches('/');
    let (endpoint, check) = path.split_once('/').unwrap_or((path, ""));
    let checks = checks(endpoint);
    let names: Vec<&str> = checks.iter().map(|c| c.name).collect();
    render(
        endpoint,
        check,
        context.parts.uri.query().unwrap_or(""),
        &names,
        |name| match checks.iter().find(|c| c.name == name) {
            Some(found) => (found.run)(context.state),
            None => Ok(()),
        },
    )
}

/// The answer of `endpoint` (or of its one `check`, when not empty) over the checks `names`,
/// each run by `run`, in kube-apiserver's words; `query` may hold `verbose` and `exclude`.
pub fn render(
    endpoint: &str,
    check: &str,
    query: &str,
    names: &[&str],
    run: impl Fn(&str) -> Result<(), String>,
) -> Response<Body> {
    if !check.is_empty() {
        return match names.iter().find(|name| **name == check) {
            None => respond::page_not_found(),
            Some(found) => match run(found) {
                Ok(()) => respond::text(200, "ok"),
                Err(error) => respond::text(500, format!("internal server error: {error}\n")),
            },
        };
    }
    let query = kubeward_core::request_info::parse_query(query);
    let verbose = query.iter().any(|(key, _)| key == "verbose");
    let mut excluded: Vec<&str> = query
        .iter()
        .filter(|(key, _)| key == "exclude")
        .map(|(_, value)| value.as_str())
        .collect();
    let mut out = String::new();
    let mut failed = false;
    for name in names {
        if let Some(at) = excluded.iter().position(|e| e == name) {
            excluded.remove(at);
            out.push_str(&format!("[+]{name} excluded: ok\n"));
            continue;
        }
        match run(name) {
            Ok(()) => out.push_str(&format!("[+]{name} ok\n")),
            Err(error) => {
                failed = true;
                tracing::info!(check = name, %error, "{endpoint} check failed");
                out.push_str(&format!("[-]{name} failed: reason withheld\n"));
            }
        }
    }
    if !excluded.is_empty() {
        let names: Vec<String> = excluded.iter().map(|e| format!("{e:?}")).collect();
        out.push_str(&format!(
            "warn: some health checks cannot be excluded: no matches for {}\n",
            names.join(",")
        ));
    }
    if failed {
        out.push_str(&format!("{endpoint} check failed\n"));
        return respond::text(500, out);
    }
    if !verbose {
        return respond::text(200, "ok");
    }
    out.push_str(&format!("{endpoint} check passed\n"));
    respond::text(200, out)
}

#[cfg(test)]
mod tests;
