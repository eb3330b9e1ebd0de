//! Decision cost against cluster size, update cost, and memory of the indexed RBAC policy.
//!
//! Policies have N bindings: 10% ClusterRoleBindings, 90% RoleBindings spread over 500
//! namespaces, with user and group subjects, bound to plain and aggregated ClusterRoles
//! (`view` ⊂ `edit` ⊂ `admin`, gathered from labelled roles as in the bootstrap policy) and to
//! per-namespace Roles. The requester is concerned by the same handful of bindings whatever N.
//! Memory is the resident-set delta from `/proc/self/statm` while building the largest policy.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use kubeward_core::{Attributes, UserInfo};
use kubeward_rbac::{
    Binding, LabelSelector, Policy, PolicyRule, Role, RoleRef, RoleRefKind, Subject,
};

const NAMESPACES: usize = 500;
const SIZES: [usize; 4] = [10, 1_000, 10_000, 50_000];

fn rule(verbs: &[&str], group: &str, resources: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
        api_groups: vec![group.to_string()],
        resources: resources.iter().map(|s| s.to_string()).collect(),
        ..PolicyRule::default()
    }
}

fn labels(key: &str) -> BTreeMap<String, String> {
    [(key.to_string(), "true".to_string())].into()
}

fn cluster_role(name: &str, label: Option<&str>, rules: Vec<PolicyRule>) -> Role {
    Role {
        name: name.into(),
        labels: label.map(labels).unwrap_or_default(),
        rules,
        ..Role::default()
    }
}

fn aggregated(name: &str, label: Option<&str>, selects: &str) -> Role {
    Role {
        aggregation_rule: Some(vec![LabelSelector {
            match_labels: labels(selects),
            match_expressions: Vec::new(),
        }]),
        ..cluster_role(name, label, Vec::new())
    }
}

/// Rules shaped like the bootstrap `system:aggregate-to-*` roles: many resources, few verbs.
fn many_rules(verbs: &[&str], count: usize) -> Vec<PolicyRule> {
    (0..count)
        .map(|i| {
            rule(
                verbs,
                if i % 3 == 0 { "" } else { "apps" },
                &[&format!("things{i}"), &format!("things{i}/status")],
            )
        })
        .collect()
}

fn roles() -> Vec<Role> {
    let mut roles = vec![
        aggregated("admin", None, "to-admin"),
        aggregated("edit", Some("to-admin"), "to-edit"),
        aggregated("view", Some("to-edit"), "to-view"),
        cluster_role(
            "system:aggregate-to-view",
            Some("to-view"),
            [
                vec![rule(&["get", "list", "watch"], "", &["pods", "services"])],
                many_rules(&["get", "list", "watch"], 30),
            ]
            .concat(),
        ),
        cluster_role(
            "system:aggregate-to-edit",
            Some("to-edit"),
            many_rules(&["create", "delete", "patch", "update"], 30),
        ),
        cluster_role(
            "system:aggregate-to-admin",
            Some("to-admin"),
            many_rules(&["*"], 10),
        ),
        cluster_role(
            "system:basic-user",
            None,
            vec![rule(
                &["create"],
                "authorization.k8s.io",
                &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
            )],
        ),
        cluster_role(
            "system:discovery",
            None,
            vec![PolicyRule {
                verbs: vec!["get".into()],
                non_resource_urls: vec!["/api".into(), "/api/*".into(), "/apis".into()],
                ..PolicyRule::default()
            }],
        ),
    ];
    for ns in 0..NAMESPACES {
        roles.push(Role {
            namespace: Some(format!("ns-{ns}")),
            name: "pod-reader".into(),
            rules: vec![rule(&["get", "list"], "", &["pods", "pods/log"])],
            ..Role::default()
        });
    }
    roles
}

fn binding(
    namespace: Option<String>,
    name: String,
    role: RoleRef,
    subjects: Vec<Subject>,
) -> Binding {
    Binding {
        namespace,
        name,
        role_ref: role,
        subjects,
    }
}

fn cluster_ref(name: &str) -> RoleRef {
    RoleRef {
        kind: RoleRefKind::ClusterRole,
        name: name.into(),
    }
}

/// `n` bindings that do not concern the requester, plus the requester's fixed few.
fn policy(n: usize) -> Policy {
    let mut policy = Policy::new();
    roles().into_iter().for_each(|r| policy.upsert_role(r));
    let cluster_roles = ["view", "edit", "admin", "system:basic-user"];
    for i in 0..n {
        let subjects = vec![
            Subject::User(format!("user-{i}")),
            Subject::Group(format!("team-{}", i % 1_000)),
        ];
        if i % 10 == 0 {
            policy.upsert_binding(binding(
                None,
                format!("crb-{i}"),
                cluster_ref(cluster_roles[i % 4]),
                subjects,
            ));
        } else {
            let role = if i % 3 == 0 {
                RoleRef {
                    kind: RoleRefKind::Role,
                    name: "pod-reader".into(),
                }
            } else {
                cluster_ref(cluster_roles[i % 3])
            };
            policy.upsert_binding(binding(
                Some(format!("ns-{}", i % NAMESPACES)),
                format!("rb-{i}"),
                role,
                subjects,
            ));
        }
    }
    // The requester's bindings: the same whatever n.
    let authenticated = || vec![Subject::Group("system:authenticated".into())];
    policy.upsert_binding(binding(
        None,
        "system:basic-user".into(),
        cluster_ref("system:basic-user"),
        authenticated(),
    ));
    policy.upsert_binding(binding(
        None,
        "system:discovery".into(),
        cluster_ref("system:discovery"),
        authenticated(),
    ));
    policy.upsert_binding(binding(
        Some("ns-7".into()),
        "alice-edit".into(),
        cluster_ref("edit"),
        vec![Subject::User("alice".into())],
    ));
    policy.upsert_binding(binding(
        Some("ns-7".into()),
        "team-view".into(),
        cluster_ref("view"),
        vec![Subject::Group("alice-team".into())],
    ));
    policy
}

fn alice() -> UserInfo {
    UserInfo::new("alice", ["alice-team", "system:authenticated"])
}

fn decisions(c: &mut Criterion) {
    let mut group = c.benchmark_group("authorize");
    for n in SIZES {
        let policy = policy(n);
        // Allowed by `edit` (aggregated) in ns-7, after checking the cluster bindings.
        let allowed = Attributes::resource(alice(), "patch", "apps", "things29", "ns-7");
        assert!(policy.authorize(&allowed).is_allowed());
        // Denied: every rule of every applying binding checked.
        let denied = Attributes::resource(alice(), "delete", "", "secrets", "ns-7");
        assert!(!policy.authorize(&denied).is_allowed());
        group.bench_with_input(BenchmarkId::new("allowed", n), &allowed, |b, attrs| {
            b.iter(|| black_box(policy.authorize(black_box(attrs))))
        });
        group.bench_with_input(BenchmarkId::new("denied", n), &denied, |b, attrs| {
            b.iter(|| black_box(policy.authorize(black_box(attrs))))
        });
    }
    group.finish();
}

fn updates(c: &mut Criterion) {
    let mut group = c.benchmark_group("update");
    let mut policy = policy(10_000);
    let bindings = [
        binding(
            Some("ns-3".into()),
            "rb-new".into(),
            cluster_ref("view"),
            vec![Subject::User("bob".into())],
        ),
        binding(
            Some("ns-3".into()),
            "rb-new".into(),
            cluster_ref("edit"),
            vec![Subject::Group("team-3".into())],
        ),
    ];
    let mut flip = 0usize;
    group.bench_function("upsert_binding/10000", |b| {
        b.iter(|| {
            flip ^= 1;
            policy.upsert_binding(bindings[flip].clone());
        })
    });
    let feeders = [
        cluster_role("extra-view", Some("to-view"), many_rules(&["get"], 5)),
        cluster_role("extra-view", Some("to-view"), many_rules(&["list"], 5)),
    ];
    group.bench_function("upsert_aggregated_feeder/10000", |b| {
        b.iter(|| {
            flip ^= 1;
            policy.upsert_role(feeders[flip].clone());
        })
    });
    group.finish();
}

fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn memory(_: &mut Criterion) {
    let before = resident_bytes();
    let policy = policy(50_000);
    let after = resident_bytes();
    if let (Some(before), Some(after)) = (before, after) {
        println!(
            "memory: policy with {} bindings: ~{:.1} MiB resident ({} bytes per binding)",
            policy.bindings().count(),
            after.saturating_sub(before) as f64 / (1024.0 * 1024.0),
            after.saturating_sub(before) / 50_000
        );
    }
    black_box(policy);
}

criterion_group!(benches, memory, decisions, updates);
criterion_main!(benches);
