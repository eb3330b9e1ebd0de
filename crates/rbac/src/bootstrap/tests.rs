//! The embedded bootstrap policy parses, and equals what a real kube-apiserver v1.36 printed
//! (`shared/golden/c-default-rbac/`), object for object; aggregated roles aggregate to the rules
//! the real aggregation controller wrote, in order.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;

use super::*;
use crate::aggregation::aggregate_rules;
use crate::from_k8s;
use crate::model;

/// The path of a file of the golden captures of seed 003; the checkout sits beside `shared/` on
/// every machine, CI included.
macro_rules! golden {
    ($file:literal) => {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/golden/c-default-rbac/",
            $file
        )
    };
}

const BOOTSTRAP_LABEL: &str = "kubernetes.io/bootstrapping";
const BOOTSTRAP_VALUE: &str = "rbac-defaults";

fn read_golden(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading golden file {path}: {e}"))
}

/// An item of `kubectl get roles,rolebindings -o yaml`.
#[derive(Deserialize)]
#[serde(tag = "kind")]
enum NamespacedItem {
    Role(Role),
    RoleBinding(RoleBinding),
}

fn is_bootstrap(meta: &ObjectMeta) -> bool {
    meta.labels
        .as_ref()
        .and_then(|l| l.get(BOOTSTRAP_LABEL))
        .is_some_and(|v| v == BOOTSTRAP_VALUE)
}

/// Clears what changes on every run.
fn mask(meta: &mut ObjectMeta) {
    meta.creation_timestamp = None;
    meta.resource_version = None;
    meta.uid = None;
    meta.managed_fields = None;
}

fn name(meta: &ObjectMeta) -> String {
    meta.name.clone().expect("object has a name")
}

fn ns_name(meta: &ObjectMeta) -> (String, String) {
    (
        meta.namespace.clone().expect("object has a namespace"),
        name(meta),
    )
}

/// All golden ClusterRoles, bootstrap or not, per-run metadata masked.
fn golden_cluster_roles_all() -> Vec<ClusterRole> {
    let text = read_golden(golden!("11-clusterroles-yaml.out"));
    let mut items = serde_saphyr::from_str::<List<ClusterRole>>(&text)
        .expect("golden ClusterRoles parse")
        .items;
    items.iter_mut().for_each(|r| mask(&mut r.metadata));
    items
}

/// The golden bootstrap ClusterRoles, rules of aggregated roles included.
fn golden_cluster_roles() -> Vec<ClusterRole> {
    golden_cluster_roles_all()
        .into_iter()
        .filter(|r| is_bootstrap(&r.metadata))
        .collect()
}

fn golden_cluster_role_bindings_all() -> Vec<ClusterRoleBinding> {
    let text = read_golden(golden!("12-clusterrolebindings-yaml.out"));
    let mut items = serde_saphyr::from_str::<List<ClusterRoleBinding>>(&text)
        .expect("golden ClusterRoleBindings parse")
        .items;
    items.iter_mut().for_each(|b| mask(&mut b.metadata));
    items
}

/// The golden bootstrap Roles and RoleBindings of kube-system and kube-public.
fn golden_namespaced() -> (Vec<Role>, Vec<RoleBinding>) {
    let text = read_golden(golden!("13-ns-roles-yaml.out"));
    let lists = serde_saphyr::from_multiple::<List<NamespacedItem>>(&text)
        .expect("golden Roles and RoleBindings parse");
    assert_eq!(lists.len(), 2, "one List per namespace");
    let (mut roles, mut bindings) = (Vec::new(), Vec::new());
    for item in lists.into_iter().flat_map(|l| l.items) {
        match item {
            NamespacedItem::Role(mut r) if is_bootstrap(&r.metadata) => {
                mask(&mut r.metadata);
                roles.push(r);
            }
            NamespacedItem::RoleBinding(mut b) if is_bootstrap(&b.metadata) => {
                mask(&mut b.metadata);
                bindings.push(b);
            }
            _ => {}
        }
    }
    (roles, bindings)
}

/// Indexes objects by key, failing on duplicates.
fn by_key<K: Ord + std::fmt::Debug, T>(
    what: &str,
    items: Vec<T>,
    key: impl Fn(&T) -> K,
) -> BTreeMap<K, T> {
    let mut map = BTreeMap::new();
    for item in items {
        let k = key(&item);
        assert!(!map.contains_key(&k), "{what}: duplicate {k:?}");
        map.insert(k, item);
    }
    map
}

/// The two maps have the same keys and equal values, with a readable message otherwise.
fn assert_same<K: Ord + std::fmt::Debug, T: PartialEq + std::fmt::Debug>(
    what: &str,
    data: &BTreeMap<K, T>,
    golden: &BTreeMap<K, T>,
) {
    assert!(!golden.is_empty(), "{what}: the golden output has some");
    let missing: Vec<_> = golden.keys().filter(|k| !data.contains_key(k)).collect();
    let extra: Vec<_> = data.keys().filter(|k| !golden.contains_key(k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: missing from the data {missing:?}, not in the golden output {extra:?}"
    );
    for (k, d) in data {
        assert_eq!(d, &golden[k], "{what} {k:?} differs from the golden output");
    }
}

#[test]
fn embedded_data_parses() {
    // `BOOTSTRAP`'s `expect` relies on this test.
    let parsed = parse().unwrap_or_else(|e| panic!("embedded bootstrap policy: {e}"));
    assert!(!parsed.cluster_roles.is_empty());
    assert!(!parsed.cluster_role_bindings.is_empty());
    assert!(!parsed.roles.is_empty());
    assert!(!parsed.role_bindings.is_empty());
}

#[test]
fn accessors_return_the_parsed_data() {
    assert_eq!(cluster_roles().len(), 70);
    assert_eq!(cluster_role_bindings().len(), 51);
    assert_eq!(roles().len(), 7);
    assert_eq!(role_bindings().len(), 7);
}

#[test]
fn every_object_is_a_labelled_autoupdated_bootstrap_object() {
    let metas = cluster_roles()
        .into_iter()
        .map(|o| o.metadata)
        .chain(cluster_role_bindings().into_iter().map(|o| o.metadata))
        .chain(roles().into_iter().map(|o| o.metadata))
        .chain(role_bindings().into_iter().map(|o| o.metadata));
    for meta in metas {
        assert!(
            is_bootstrap(&meta),
            "{:?} lacks the bootstrap label",
            meta.name
        );
        let autoupdate = meta
            .annotations
            .as_ref()
            .and_then(|a| a.get("rbac.authorization.kubernetes.io/autoupdate"));
        assert_eq!(
            autoupdate.map(String::as_str),
            Some("true"),
            "{:?}",
            meta.name
        );
        assert!(
            meta.creation_timestamp.is_none()
                && meta.resource_version.is_none()
                && meta.uid.is_none()
                && meta.managed_fields.is_none(),
            "{:?} carries per-run metadata",
            meta.name
        );
    }
}

#[test]
fn cluster_roles_equal_golden_except_aggregated_rules() {
    let golden = golden_cluster_roles().into_iter().map(|mut r| {
        if r.aggregation_rule.is_some() {
            // Filled in by the aggregation controller; compared in `aggregated_rules_equal_golden`.
            r.rules = None;
        }
        r
    });
    let golden = by_key("golden ClusterRoles", golden.collect(), |r| {
        name(&r.metadata)
    });
    let data = by_key("ClusterRoles", cluster_roles(), |r| name(&r.metadata));
    assert_same("ClusterRole", &data, &golden);
}

#[test]
fn aggregated_roles_have_no_rules_in_the_data() {
    let aggregated: Vec<_> = cluster_roles()
        .into_iter()
        .filter(|r| r.aggregation_rule.is_some())
        .collect();
    let names: BTreeSet<_> = aggregated.iter().map(|r| name(&r.metadata)).collect();
    assert_eq!(
        names,
        ["admin", "edit", "view"].map(String::from).into(),
        "the aggregated bootstrap ClusterRoles"
    );
    for role in aggregated {
        assert_eq!(role.rules, None, "{:?}", role.metadata.name);
    }
}

#[test]
fn aggregated_rules_equal_golden() {
    let data: Vec<model::Role> = cluster_roles()
        .iter()
        .map(|r| from_k8s::cluster_role(r).expect("bootstrap ClusterRole converts"))
        .collect();
    let all: Vec<&model::Role> = data.iter().collect();
    let golden = by_key("golden ClusterRoles", golden_cluster_roles(), |r| {
        name(&r.metadata)
    });
    let mut checked = 0;
    for target in data.iter().filter(|r| r.aggregation_rule.is_some()) {
        let golden_role = &golden[&target.name];
        assert!(golden_role.aggregation_rule.is_some(), "{}", target.name);
        let expected: Vec<model::PolicyRule> = golden_role
            .rules
            .iter()
            .flatten()
            .map(from_k8s::policy_rule)
            .collect();
        assert!(!expected.is_empty(), "golden {} has rules", target.name);
        assert_eq!(
            aggregate_rules(target, &all),
            expected,
            "aggregated rules of {}",
            target.name
        );
        checked += 1;
    }
    assert_eq!(checked, 3, "admin, edit and view");
}

#[test]
fn cluster_role_bindings_equal_golden() {
    let golden = golden_cluster_role_bindings_all()
        .into_iter()
        .filter(|b| is_bootstrap(&b.metadata))
        .collect();
    let golden = by_key("golden ClusterRoleBindings", golden, |b| name(&b.metadata));
    let data = by_key("ClusterRoleBindings", cluster_role_bindings(), |b| {
        name(&b.metadata)
    });
    assert_same("ClusterRoleBinding", &data, &golden);
}

#[test]
fn namespaced_roles_and_bindings_equal_golden() {
    let (golden_roles, golden_bindings) = golden_namespaced();
    let golden_roles = by_key("golden Roles", golden_roles, |r| ns_name(&r.metadata));
    let data_roles = by_key("Roles", roles(), |r| ns_name(&r.metadata));
    assert_same("Role", &data_roles, &golden_roles);

    let golden_bindings = by_key("golden RoleBindings", golden_bindings, |b| {
        ns_name(&b.metadata)
    });
    let data_bindings = by_key("RoleBindings", role_bindings(), |b| ns_name(&b.metadata));
    assert_same("RoleBinding", &data_bindings, &golden_bindings);

    let namespaces: BTreeSet<_> = data_roles.keys().map(|(ns, _)| ns.as_str()).collect();
    assert_eq!(namespaces, BTreeSet::from(["kube-public", "kube-system"]));
}

/// The first column of a `kubectl get` table, header skipped.
fn table_names(text: &str) -> BTreeSet<String> {
    let mut lines = text.lines();
    let header = lines.next().expect("table has a header");
    assert!(header.starts_with("NAME "), "{header}");
    lines
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect()
}

#[test]
fn cluster_role_names_equal_the_golden_table_minus_non_bootstrap() {
    let table = table_names(&read_golden(golden!("09-clusterroles-table.out")));
    let non_bootstrap: BTreeSet<String> = golden_cluster_roles_all()
        .iter()
        .filter(|r| !is_bootstrap(&r.metadata))
        .map(|r| name(&r.metadata))
        .collect();
    let expected: BTreeSet<String> = table.difference(&non_bootstrap).cloned().collect();
    let data: BTreeSet<String> = cluster_roles().iter().map(|r| name(&r.metadata)).collect();
    assert_eq!(data, expected);
}

#[test]
fn cluster_role_binding_names_equal_the_golden_table_minus_non_bootstrap() {
    let table = table_names(&read_golden(golden!("10-clusterrolebindings-wide.out")));
    let non_bootstrap: BTreeSet<String> = golden_cluster_role_bindings_all()
        .iter()
        .filter(|b| !is_bootstrap(&b.metadata))
        .map(|b| name(&b.metadata))
        .collect();
    let expected: BTreeSet<String> = table.difference(&non_bootstrap).cloned().collect();
    let data: BTreeSet<String> = cluster_role_bindings()
        .iter()
        .map(|b| name(&b.metadata))
        .collect();
    assert_eq!(data, expected);
}

/// `(kind, name, namespace)` of a binding's subjects.
fn subjects(subjects: Option<&Vec<k8s_openapi::api::rbac::v1::Subject>>) -> Vec<(&str, &str)> {
    subjects
        .into_iter()
        .flatten()
        .map(|s| (s.kind.as_str(), s.name.as_str()))
        .collect()
}

#[test]
fn seed_bindings_have_the_expected_subjects() {
    let bindings = by_key("ClusterRoleBindings", cluster_role_bindings(), |b| {
        name(&b.metadata)
    });
    let roles: BTreeSet<String> = cluster_roles().iter().map(|r| name(&r.metadata)).collect();
    let cases: [(&str, &[(&str, &str)]); 5] = [
        ("cluster-admin", &[("Group", "system:masters")]),
        ("system:basic-user", &[("Group", "system:authenticated")]),
        ("system:discovery", &[("Group", "system:authenticated")]),
        (
            "system:public-info-viewer",
            &[
                ("Group", "system:authenticated"),
                ("Group", "system:unauthenticated"),
            ],
        ),
        ("system:node-proxier", &[("User", "system:kube-proxy")]),
    ];
    for (name, expected) in cases {
        assert!(roles.contains(name), "ClusterRole {name} exists");
        let binding = bindings
            .get(name)
            .unwrap_or_else(|| panic!("ClusterRoleBinding {name} exists"));
        assert_eq!(binding.role_ref.kind, "ClusterRole", "{name}");
        assert_eq!(binding.role_ref.name, name, "{name}");
        assert_eq!(
            binding.role_ref.api_group, "rbac.authorization.k8s.io",
            "{name}"
        );
        assert_eq!(subjects(binding.subjects.as_ref()), expected, "{name}");
        for s in binding.subjects.iter().flatten() {
            assert_eq!(s.api_group.as_deref(), Some("rbac.authorization.k8s.io"));
            assert_eq!(s.namespace, None);
        }
    }
}

#[test]
fn policy_converts_every_object_and_every_role_ref_resolves() {
    let (roles, bindings) = policy();
    assert_eq!(roles.len(), cluster_roles().len() + self::roles().len());
    assert_eq!(
        bindings.len(),
        cluster_role_bindings().len() + role_bindings().len()
    );
    let role_keys: BTreeSet<(Option<String>, String)> = roles
        .iter()
        .map(|r| (r.namespace.clone(), r.name.clone()))
        .collect();
    for b in bindings {
        let key = match b.role_ref.kind {
            model::RoleRefKind::ClusterRole => (None, b.role_ref.name.clone()),
            model::RoleRefKind::Role => (b.namespace.clone(), b.role_ref.name.clone()),
        };
        assert!(
            role_keys.contains(&key),
            "binding {:?} refers to a missing role",
            b.name
        );
    }
}
