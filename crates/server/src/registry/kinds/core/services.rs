//! Services as kube-apiserver's service registry writes them: `SetDefaults_Service` (type,
//! session affinity, port protocols and target ports, traffic policies), a ClusterIP allocated
//! from the service range with the single-stack IPv4 families, NodePorts for `NodePort` and
//! `LoadBalancer`, and an update that keeps what was allocated (`patchAllocatedValues`).
//! Allocation reads the Services in the store: no repair controller is needed, and a Service's
//! addresses are free again as soon as it is gone.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use kubeward_core::status::{self, BadValue, FieldError, Status};
use kubeward_store::StoreExt as _;
use serde_json::{Map, Value, json};

use crate::registry::kinds::workloads::{object_at, set_default};
use crate::registry::kinds::{Admission, Strategy};
use crate::registry::objects;
use crate::registry::printing::text;
use crate::state::State;

/// The service range (`--service-cluster-ip-range` as kubeadm sets it): 10.96.0.0/12.
const RANGE_BASE: u32 = u32::from_be_bytes([10, 96, 0, 0]);
/// The size of the service range.
const RANGE_SIZE: u32 = 1 << 20;
/// The `kubernetes` Service's address, the first of the range.
pub const KUBERNETES_SERVICE_IP: Ipv4Addr = Ipv4Addr::new(10, 96, 0, 1);
/// The NodePort range (`--service-node-port-range`): 30000-32767.
const NODE_PORTS: std::ops::RangeInclusive<i64> = 30000..=32767;

/// Services: kube-apiserver's defaults and allocations.
pub struct ServiceStrategy;

impl Strategy for ServiceStrategy {
    fn prepare_for_create(&self, request: &Admission<'_>, object: &mut Value) {
        set_defaults(object);
        allocate(request.state, object);
    }

    fn prepare_for_update(&self, _request: &Admission<'_>, current: &Value, next: &mut Value) {
        keep_allocated(current, next);
        set_defaults(next);
    }

    fn admit_create(&self, request: &Admission<'_>, object: &Value) -> Result<(), Status> {
        check_requested_ip(request.state, object)
    }
}

/// `SetDefaults_Service` and the family defaults of a single-stack IPv4 cluster.
fn set_defaults(object: &mut Value) {
    let spec = object_at(object, &["spec"]);
    set_default(spec, "type", json!("ClusterIP"));
    set_default(spec, "sessionAffinity", json!("None"));
    let kind = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if kind != "ExternalName" {
        set_default(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if kind == "NodePort" || kind == "LoadBalancer" {
        set_default(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if kind == "LoadBalancer" {
        set_default(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    if spec.get("sessionAffinity").and_then(Value::as_str) == Some("ClientIP") {
        set_default(
            spec,
            "sessionAffinityConfig",
            json!({"clientIP": {"timeoutSeconds": 10800}}),
        );
    }
    if let Some(Value::Array(ports)) = spec.get_mut("ports") {
        for port in ports.iter_mut().filter_map(Value::as_object_mut) {
            set_default(port, "protocol", json!("TCP"));
            let unset = match port.get("targetPort") {
                None | Some(Value::Null) => true,
                Some(Value::Number(n)) => n.as_i64() == Some(0),
                Some(Value::String(s)) => s.is_empty(),
                Some(_) => false,
            };
            if unset && let Some(number) = port.get("port").cloned() {
                port.insert("targetPort".into(), number);
            }
        }
    }
    if kind != "ExternalName" {
        set_default(spec, "ipFamilyPolicy", json!("SingleStack"));
        set_default(spec, "ipFamilies", json!(["IPv4"]));
    }
    let status = object_at(object, &["status"]);
    set_default(status, "loadBalancer", json!({}));
}

/// The addresses and node ports the Services in the store hold, except `except`'s.
fn allocated(state: &State, except: Option<(&str, &str)>) -> (HashSet<u32>, HashSet<i64>) {
    let mut ips = HashSet::from([u32::from(KUBERNETES_SERVICE_IP)]);
    let mut ports = HashSet::new();
    let services = super::services();
    let Ok(list) = state.store.list_all(&services.scope("")) else {
        return (ips, ports);
    };
    for service in &list.items {
        if except == Some((objects::namespace(service), objects::name(service))) {
            continue;
        }
        if let Ok(ip) = text(service, "/spec/clusterIP").parse::<Ipv4Addr>() {
            ips.insert(u32::from(ip));
        }
        ports.extend(node_ports(service));
    }
    (ips, ports)
}

fn node_ports(service: &Value) -> impl Iterator<Item = i64> + '_ {
    service
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("nodePort").and_then(Value::as_i64))
}

/// A ClusterIP (unless headless, given, or `ExternalName`) and the NodePorts the type needs.
fn allocate(state: &State, object: &mut Value) {
    let kind = text(object, "/spec/type");
    if kind == "ExternalName" {
        return;
    }
    let (ips, mut ports) = allocated(state, None);
    let spec = object_at(object, &["spec"]);
    let requested = spec
        .get("clusterIP")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if requested.is_empty() {
        if let Some(ip) = free_ip(&ips) {
            spec.insert("clusterIP".into(), json!(ip.to_string()));
            spec.insert("clusterIPs".into(), json!([ip.to_string()]));
        }
    } else {
        set_default(spec, "clusterIPs", json!([requested]));
    }
    let wants_node_ports = kind == "NodePort"
        || (kind == "LoadBalancer"
            && spec.get("allocateLoadBalancerNodePorts") != Some(&json!(false)));
    if !wants_node_ports {
        return;
    }
    if let Some(Value::Array(list)) = spec.get_mut("ports") {
        for port in list.iter_mut().filter_map(Value::as_object_mut) {
            if port.get("nodePort").and_then(Value::as_i64).unwrap_or(0) != 0 {
                continue;
            }
            if let Some(free) = free_node_port(&ports) {
                ports.insert(free);
                port.insert("nodePort".into(), json!(free));
            }
        }
    }
}

/// A random free address of the range, not its network, first (the `kubernetes` Service's) or
/// broadcast address.
fn free_ip(taken: &HashSet<u32>) -> Option<Ipv4Addr> {
    let start = fastrand::u32(2..RANGE_SIZE - 1);
    (0..RANGE_SIZE - 3)
        .map(|step| RANGE_BASE + 2 + (start - 2 + step) % (RANGE_SIZE - 3))
        .find(|candidate| !taken.contains(candidate))
        .map(Ipv4Addr::from)
}

fn free_node_port(taken: &HashSet<i64>) -> Option<i64> {
    let size = NODE_PORTS.end() - NODE_PORTS.start() + 1;
    let start = fastrand::i64(0..size);
    (0..size)
        .map(|step| NODE_PORTS.start() + (start + step) % size)
        .find(|candidate| !taken.contains(candidate))
}

/// A ClusterIP the client asked for must be in the range and free, as kube-apiserver's
/// allocator requires.
fn check_requested_ip(state: &State, object: &Value) -> Result<(), Status> {
    let requested = text(object, "/spec/clusterIP");
    if requested.is_empty() || requested == "None" || text(object, "/spec/type") == "ExternalName" {
        return Ok(());
    }
    let invalid = |reason: &str| {
        status::invalid(
            "",
            "Service",
            objects::name(object),
            vec![FieldError::invalid(
                "spec.clusterIPs",
                BadValue::json(&[requested.as_str()]),
                &format!("failed to allocate IP {requested}: {reason}"),
            )],
        )
    };
    let Ok(ip) = requested.parse::<Ipv4Addr>() else {
        // The field's own validation reports a malformed address.
        return Ok(());
    };
    let number = u32::from(ip);
    if !(RANGE_BASE..RANGE_BASE + RANGE_SIZE).contains(&number) {
        return Err(invalid(
            "the provided network does not match the current range",
        ));
    }
    let (ips, _) = allocated(
        state,
        Some((objects::namespace(object), objects::name(object))),
    );
    let is_kubernetes_service =
        objects::namespace(object) == "default" && objects::name(object) == "kubernetes";
    if ips.contains(&number) && !is_kubernetes_service {
        return Err(invalid("provided IP is already allocated"));
    }
    Ok(())
}

/// `patchAllocatedValues`: an update that leaves out the ClusterIP(s), families or NodePorts
/// keeps those allocated, unless the type no longer has them.
fn keep_allocated(current: &Value, next: &mut Value) {
    let kind = text(next, "/spec/type");
    if kind == "ExternalName" {
        return;
    }
    let Some(before) = current.get("spec").and_then(Value::as_object) else {
        return;
    };
    let spec: &mut Map<String, Value> = object_at(next, &["spec"]);
    for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
        if let Some(value) = before.get(field) {
            set_default(spec, field, value.clone());
        }
    }
    if kind != "NodePort" && kind != "LoadBalancer" {
        return;
    }
    let old_ports: Vec<&Value> = before
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    if let Some(Value::Array(ports)) = spec.get_mut("ports") {
        for port in ports.iter_mut().filter_map(Value::as_object_mut) {
            if port.get("nodePort").and_then(Value::as_i64).unwrap_or(0) != 0 {
                continue;
            }
            let same = old_ports.iter().find(|old| {
                old.get("port") == port.get("port") && old.get("protocol") == port.get("protocol")
            });
            if let Some(node_port) = same.and_then(|old| old.get("nodePort")) {
                port.insert("nodePort".into(), node_port.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests;
