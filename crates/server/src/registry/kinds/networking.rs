//! The `networking.k8s.io` group kinds served: Ingress, IngressClass, NetworkPolicy,
//! IPAddress and ServiceCIDR — stored and printed as kube-apiserver does; nothing routes
//! traffic by them here.

use k8s_openapi::api::networking::v1 as types;
use kubeward_core::status::FieldError;
use kubeward_core::validation::NameRule;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::workloads::{object_at, set_default};
use super::{Admission, Kind, Plain, Serving, Strategy, schema_of};
use crate::registry::objects;
use crate::registry::printing::{self, AGE, NAME, column, text};

/// The kinds of the networking group.
pub const KINDS: &[Kind] = &[
    Kind {
        group: "networking.k8s.io",
        version: "v1",
        resource: "ingressclasses",
        kind: "IngressClass",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Controller", "string", 0),
            column("Parameters", "string", 0),
            AGE,
        ],
        cells: ingress_class_cells,
        schema: Some(schema_of::<types::IngressClass>()),
        field_labels: None,
        strategy: &Plain,
    },
    Kind {
        group: "networking.k8s.io",
        version: "v1",
        resource: "ingresses",
        kind: "Ingress",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Class", "string", 0),
            column("Hosts", "string", 0),
            column("Address", "string", 0),
            column("Ports", "string", 0),
            AGE,
        ],
        cells: ingress_cells,
        schema: Some(schema_of::<types::Ingress>()),
        field_labels: None,
        strategy: &IngressStrategy,
    },
    Kind {
        group: "networking.k8s.io",
        version: "v1",
        resource: "ipaddresses",
        kind: "IPAddress",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Any,
        columns: &[NAME, column("ParentRef", "string", 0)],
        cells: ip_address_cells,
        schema: Some(schema_of::<types::IPAddress>()),
        field_labels: None,
        strategy: &IpAddressStrategy,
    },
    Kind {
        group: "networking.k8s.io",
        version: "v1",
        resource: "networkpolicies",
        kind: "NetworkPolicy",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[NAME, column("Pod-Selector", "string", 0), AGE],
        cells: network_policy_cells,
        schema: Some(schema_of::<types::NetworkPolicy>()),
        field_labels: None,
        strategy: &NetworkPolicyStrategy,
    },
    Kind {
        group: "networking.k8s.io",
        version: "v1",
        resource: "servicecidrs",
        kind: "ServiceCIDR",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[NAME, column("CIDRs", "string", 0), AGE],
        cells: service_cidr_cells,
        schema: Some(schema_of::<types::ServiceCIDR>()),
        field_labels: None,
        strategy: &Plain,
    },
];

/// Ingresses: a new one has an empty status; every path names its type.
struct IngressStrategy;

impl Strategy for IngressStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        object["status"] = json!({"loadBalancer": {}});
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let rules = object
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (i, rule) in rules.iter().enumerate() {
            let paths = rule
                .pointer("/http/paths")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for (j, path) in paths.iter().enumerate() {
                if text(path, "/pathType").is_empty() {
                    errors.push(FieldError::required(
                        &format!("spec.rules[{i}].http.paths[{j}].pathType"),
                        "pathType must be specified",
                    ));
                }
            }
        }
        if rules.is_empty() && object.pointer("/spec/defaultBackend").is_none() {
            errors.push(FieldError::invalid(
                "spec",
                kubeward_core::status::BadValue::json(object.get("spec").unwrap_or(&Value::Null)),
                "either `defaultBackend` or `rules` must be specified",
            ));
        }
        errors
    }
}

/// `printIngress`: class, up to three hosts, load balancer addresses, ports.
fn ingress_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let rules = object
        .pointer("/spec/rules")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let hosts: Vec<String> = rules
        .iter()
        .take(3)
        .map(|r| text(r, "/host"))
        .filter(|h| !h.is_empty())
        .collect();
    let mut hosts_cell = if hosts.is_empty() {
        "*".to_string()
    } else {
        hosts.join(",")
    };
    if rules.len() > 3 && !hosts.is_empty() {
        hosts_cell = format!("{hosts_cell} + {} more...", rules.len() - 3);
    }
    let addresses: Vec<String> = object
        .pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|i| {
            let ip = text(i, "/ip");
            if ip.is_empty() {
                text(i, "/hostname")
            } else {
                ip
            }
        })
        .filter(|a| !a.is_empty())
        .collect();
    let ports = if printing::count(object, "/spec/tls") > 0 {
        "80, 443"
    } else {
        "80"
    };
    vec![
        printing::name(object),
        json!(printing::or_none(text(object, "/spec/ingressClassName"))),
        json!(hosts_cell),
        json!(addresses.join(",")),
        json!(ports),
        printing::age(object, now),
    ]
}

/// `printIngressClass`: the controller and the parameters' `kind.group/name`.
fn ingress_class_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let parameters = match object.pointer("/spec/parameters") {
        Some(p) if p.is_object() => {
            let group = text(p, "/apiGroup");
            let kind = if group.is_empty() {
                text(p, "/kind")
            } else {
                format!("{}.{group}", text(p, "/kind"))
            };
            format!("{kind}/{}", text(p, "/name"))
        }
        _ => "<none>".to_string(),
    };
    vec![
        printing::name(object),
        json!(text(object, "/spec/controller")),
        json!(parameters),
        printing::age(object, now),
    ]
}

/// NetworkPolicies: `SetDefaults_NetworkPolicy` (policy types from the rules, TCP ports).
struct NetworkPolicyStrategy;

impl NetworkPolicyStrategy {
    fn defaults(object: &mut Value) {
        let egress = printing::count(object, "/spec/egress") > 0;
        let spec = object_at(object, &["spec"]);
        set_default(spec, "podSelector", json!({}));
        if spec
            .get("policyTypes")
            .and_then(Value::as_array)
            .is_none_or(|t| t.is_empty())
        {
            let mut types = vec![json!("Ingress")];
            if egress {
                types.push(json!("Egress"));
            }
            spec.insert("policyTypes".into(), json!(types));
        }
        for direction in ["ingress", "egress"] {
            for rule in spec
                .get_mut(direction)
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                for port in rule
                    .get_mut("ports")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    if let Some(port) = port.as_object_mut() {
                        set_default(port, "protocol", json!("TCP"));
                    }
                }
            }
        }
    }
}

impl Strategy for NetworkPolicyStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        Self::defaults(object);
        super::workloads::first_generation(object);
    }

    fn prepare_for_update(&self, _request: &Admission<'_>, current: &Value, next: &mut Value) {
        Self::defaults(next);
        super::workloads::next_generation(current, next);
    }
}

fn network_policy_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    vec![
        printing::name(object),
        json!(printing::label_selector(object, "/spec/podSelector")),
        printing::age(object, now),
    ]
}

/// IPAddresses: named by the address, in canonical form (`ValidateIPAddressName`).
struct IpAddressStrategy;

impl Strategy for IpAddressStrategy {
    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let name = objects::name(object);
        let message = match name.parse::<std::net::IpAddr>() {
            Err(_) => format!(
                "ParseAddr({}): unable to parse IP",
                kubeward_core::go::quote(name)
            ),
            Ok(ip) if ip.to_string() != name => "must be a canonical format IP address".to_string(),
            Ok(_) => return Vec::new(),
        };
        vec![FieldError::invalid("metadata.name", name, &message)]
    }
}

/// `printIPAddress`: `resource.group/namespace/name` of the parent.
fn ip_address_cells(object: &Value, _now: OffsetDateTime) -> Vec<Value> {
    let parent = match object.pointer("/spec/parentRef") {
        Some(p) if p.is_object() => {
            let group = text(p, "/group");
            let mut out = if group.is_empty() {
                text(p, "/resource")
            } else {
                format!("{}.{group}", text(p, "/resource"))
            }
            .to_lowercase();
            let namespace = text(p, "/namespace");
            if !namespace.is_empty() {
                out = format!("{out}/{namespace}");
            }
            format!("{out}/{}", text(p, "/name"))
        }
        _ => "<none>".to_string(),
    };
    vec![printing::name(object), json!(parent)]
}

fn service_cidr_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    vec![
        printing::name(object),
        json!(objects::strings(object.pointer("/spec/cidrs")).join(",")),
        printing::age(object, now),
    ]
}

#[cfg(test)]
mod tests;
