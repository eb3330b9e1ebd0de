//! Property: on random policies built by random upserts and removals, the indexed [`Policy`]
//! answers exactly as the brute-force reference walk (decision and reason, rules and errors,
//! who-can).

use std::collections::BTreeMap;

use kubeward_core::{Attributes, UserInfo};
use kubeward_rbac::model::LabelSelectorRequirement;
use kubeward_rbac::{
    Binding, LabelSelector, Policy, PolicyRule, Role, RoleRef, RoleRefKind, Subject,
};
use proptest::prelude::*;
use proptest::sample::select;

use crate::brute_force::Reference;

const NAMESPACES: &[&str] = &["a", "b"];
const USERS: &[&str] = &[
    "u1",
    "u2",
    "system:serviceaccount:a:sa",
    "system:serviceaccount:b:sa",
];
const GROUPS: &[&str] = &["g1", "g2", "system:authenticated"];
const ROLE_NAMES: &[&str] = &["r1", "r2", "r3", "r4"];
const BINDING_NAMES: &[&str] = &["b1", "b2", "b3", "b4"];
const VERBS: &[&str] = &["get", "list", "*"];
const RESOURCES: &[&str] = &["pods", "pods/log", "*", "*/log", "nodes"];
const API_GROUPS: &[&str] = &["", "*", "apps"];
const URLS: &[&str] = &["/healthz", "/api*", "*"];
const LABEL_KEYS: &[&str] = &["k1", "k2"];
const LABEL_VALUES: &[&str] = &["x", "y"];

fn strings(pool: &'static [&'static str], max: usize) -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(select(pool).prop_map(str::to_string), 0..=max)
}

fn some_strings(pool: &'static [&'static str], max: usize) -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        1 => Just(Vec::new()),
        6 => proptest::collection::vec(select(pool).prop_map(str::to_string), 1..=max),
    ]
}

fn policy_rule() -> impl Strategy<Value = PolicyRule> {
    (
        some_strings(VERBS, 3),
        some_strings(API_GROUPS, 2),
        some_strings(RESOURCES, 3),
        prop_oneof![3 => Just(Vec::new()), 1 => strings(&["n1", "n2"], 1)],
        prop_oneof![3 => Just(Vec::new()), 1 => strings(URLS, 2)],
    )
        .prop_map(
            |(verbs, api_groups, resources, resource_names, non_resource_urls)| PolicyRule {
                verbs,
                api_groups,
                resources,
                resource_names,
                non_resource_urls,
            },
        )
}

fn labels() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map(
        select(LABEL_KEYS).prop_map(str::to_string),
        select(LABEL_VALUES).prop_map(str::to_string),
        0..=2,
    )
}

fn selector() -> impl Strategy<Value = LabelSelector> {
    let requirement = (
        select(LABEL_KEYS),
        select(&["In", "NotIn", "Exists", "DoesNotExist", "Bogus"][..]),
        strings(LABEL_VALUES, 2),
    )
        .prop_map(|(key, operator, values)| {
            let values = match operator {
                "Exists" | "DoesNotExist" => Vec::new(),
                _ => values,
            };
            LabelSelectorRequirement {
                key: key.to_string(),
                operator: operator.to_string(),
                values,
            }
        });
    (labels(), proptest::collection::vec(requirement, 0..=1)).prop_map(
        |(match_labels, match_expressions)| LabelSelector {
            match_labels,
            match_expressions,
        },
    )
}

fn role() -> impl Strategy<Value = Role> {
    (
        prop_oneof![2 => Just(None), 1 => select(NAMESPACES).prop_map(|s| Some(s.to_string()))],
        select(ROLE_NAMES),
        labels(),
        proptest::collection::vec(policy_rule(), 0..=3),
        prop_oneof![3 => Just(None), 1 => proptest::collection::vec(selector(), 0..=2).prop_map(Some)],
    )
        .prop_map(|(namespace, name, labels, rules, aggregation_rule)| {
            let aggregation_rule = if namespace.is_some() { None } else { aggregation_rule };
            Role {
                namespace,
                name: name.to_string(),
                labels,
                rules,
                aggregation_rule,
            }
        })
}

fn subject() -> impl Strategy<Value = Subject> {
    prop_oneof![
        select(&["u1", "u2", "system:serviceaccount:a:sa"][..])
            .prop_map(|s| Subject::User(s.to_string())),
        select(GROUPS).prop_map(|s| Subject::Group(s.to_string())),
        (select(&["", "a", "b"][..]), select(&["sa", "other"][..])).prop_map(|(ns, name)| {
            Subject::ServiceAccount {
                namespace: ns.to_string(),
                name: name.to_string(),
            }
        }),
    ]
}

fn binding() -> impl Strategy<Value = Binding> {
    (
        prop_oneof![1 => Just(None), 2 => select(NAMESPACES).prop_map(|s| Some(s.to_string()))],
        select(BINDING_NAMES),
        prop_oneof![Just(RoleRefKind::Role), Just(RoleRefKind::ClusterRole)],
        select(ROLE_NAMES),
        proptest::collection::vec(subject(), 0..=3),
    )
        .prop_map(|(namespace, name, kind, role, subjects)| Binding {
            namespace,
            name: name.to_string(),
            role_ref: RoleRef {
                kind,
                name: role.to_string(),
            },
            subjects,
        })
}

#[derive(Debug, Clone)]
enum Op {
    UpsertRole(Role),
    RemoveRole(Option<String>, String),
    UpsertBinding(Binding),
    RemoveBinding(Option<String>, String),
}

fn scope() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        select(NAMESPACES).prop_map(|s| Some(s.to_string()))
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => role().prop_map(Op::UpsertRole),
        1 => (scope(), select(ROLE_NAMES)).prop_map(|(ns, n)| Op::RemoveRole(ns, n.to_string())),
        4 => binding().prop_map(Op::UpsertBinding),
        1 => (scope(), select(BINDING_NAMES)).prop_map(|(ns, n)| Op::RemoveBinding(ns, n.to_string())),
    ]
}

fn user() -> impl Strategy<Value = UserInfo> {
    (
        select(USERS),
        proptest::collection::vec(select(GROUPS).prop_map(str::to_string), 0..=3),
    )
        .prop_map(|(name, groups)| UserInfo::new(name, groups))
}

fn request() -> impl Strategy<Value = Attributes> {
    let resource = (
        user(),
        // Repeated entries weight the common cases so that many requests are allowed.
        select(&["get", "get", "list", "delete"][..]),
        select(&["", "", "", "apps"][..]),
        select(&["pods", "pods", "pods", "nodes", "secrets"][..]),
        select(&["", "", "", "", "log", "status"][..]),
        select(&["", "a", "a", "b", "b", "c"][..]),
        select(&["", "", "", "n1", "n3"][..]),
    )
        .prop_map(|(u, verb, group, res, sub, ns, name)| {
            Attributes::resource(u, verb, group, res, ns)
                .with_subresource(sub)
                .with_name(name)
        });
    let url = (
        user(),
        select(&["get", "post"][..]),
        select(&["/healthz", "/api", "/apis/x", "/metrics"][..]),
    )
        .prop_map(|(u, verb, path)| Attributes::non_resource(u, verb, path));
    prop_oneof![4 => resource, 1 => url]
}

/// Applies an op to the plain-list model.
fn apply(roles: &mut Vec<Role>, bindings: &mut Vec<Binding>, op: &Op) {
    match op {
        Op::UpsertRole(r) => {
            roles.retain(|x| !(x.namespace == r.namespace && x.name == r.name));
            roles.push(r.clone());
        }
        Op::RemoveRole(ns, n) => roles.retain(|x| !(x.namespace == *ns && x.name == *n)),
        Op::UpsertBinding(b) => {
            bindings.retain(|x| !(x.namespace == b.namespace && x.name == b.name));
            bindings.push(b.clone());
        }
        Op::RemoveBinding(ns, n) => bindings.retain(|x| !(x.namespace == *ns && x.name == *n)),
    }
}

fn check(policy: &Policy, roles: &[Role], bindings: &[Binding], requests: &[Attributes]) {
    let reference = Reference { roles, bindings };
    for attrs in requests {
        assert_eq!(
            policy.authorize(attrs),
            reference.authorize(attrs),
            "authorize {attrs:?}"
        );
        let review = policy.rules_for(&attrs.user, &attrs.namespace);
        let (rules, errors) = reference.rules_for(&attrs.user, &attrs.namespace);
        assert_eq!(
            review.rules, rules,
            "rules_for {:?} in {:?}",
            attrs.user, attrs.namespace
        );
        assert_eq!(
            review.errors, errors,
            "errors {:?} in {:?}",
            attrs.user, attrs.namespace
        );
        assert_eq!(
            policy.who_can(attrs),
            reference.who_can(attrs),
            "who_can {attrs:?}"
        );
    }
    // Stored objects and effective rules agree too.
    assert_eq!(policy.roles().count(), roles.len());
    assert_eq!(policy.bindings().count(), bindings.len());
    let cluster_roles: Vec<&Role> = roles.iter().filter(|r| r.namespace.is_none()).collect();
    for r in roles {
        assert_eq!(policy.role(r.namespace.as_deref(), &r.name), Some(r));
        let expected = if r.namespace.is_none() {
            kubeward_rbac::aggregation::aggregate_rules(r, &cluster_roles)
        } else {
            r.rules.clone()
        };
        assert_eq!(
            policy.effective_rules(r.namespace.as_deref(), &r.name),
            Some(expected.as_slice()),
            "effective rules of {:?}/{}",
            r.namespace,
            r.name
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn indexed_policy_equals_brute_force(
        ops in proptest::collection::vec(op(), 1..40),
        requests in proptest::collection::vec(request(), 1..12),
    ) {
        let mut policy = Policy::new();
        let mut roles = Vec::new();
        let mut bindings = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            match op.clone() {
                Op::UpsertRole(r) => policy.upsert_role(r),
                Op::RemoveRole(ns, n) => {
                    let existed = roles.iter().any(|r: &Role| r.namespace == ns && r.name == n);
                    prop_assert_eq!(policy.remove_role(ns.as_deref(), &n).is_some(), existed);
                }
                Op::UpsertBinding(b) => policy.upsert_binding(b),
                Op::RemoveBinding(ns, n) => {
                    let existed = bindings.iter().any(|b: &Binding| b.namespace == ns && b.name == n);
                    prop_assert_eq!(policy.remove_binding(ns.as_deref(), &n).is_some(), existed);
                }
            }
            apply(&mut roles, &mut bindings, op);
            if i % 5 == 4 || i + 1 == ops.len() {
                check(&policy, &roles, &bindings, &requests);
            }
        }
        // Rebuilt from scratch, the same answers.
        let mut fresh = Policy::new();
        roles.iter().cloned().for_each(|r| fresh.upsert_role(r));
        bindings.iter().cloned().for_each(|b| fresh.upsert_binding(b));
        check(&fresh, &roles, &bindings, &requests);
    }
}
