//! Criterion benchmarks of the analysis engines.
//! The analysis engines on a generated policy of 10,000 bindings, 2,000 roles and 500 namespaces
//! (plus the bootstrap policy): who-can, matrix and summary must answer in under 100 ms after
//! loading, lint in under 1 s.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kubeward_analysis::{explain, lint, matrix, sources, summary};
use kubeward_core::Attributes;
use kubeward_core::discovery;
use kubeward_core::user::impersonated_user;
use kubeward_rbac::{Binding, Policy, PolicyRule, Role, RoleRef, RoleRefKind, Subject};

const NAMESPACES: usize = 500;
const ROLES_PER_NAMESPACE: usize = 3;
const CLUSTER_ROLES: usize = 500;
const ROLE_BINDINGS_PER_NAMESPACE: usize = 18;
const CLUSTER_ROLE_BINDINGS: usize = 1_000;

const RESOURCES: [(&str, &str); 8] = [
    ("", "pods"),
    ("", "configmaps"),
    ("", "secrets"),
    ("", "services"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("batch", "jobs"),
    ("networking.k8s.io", "ingresses"),
];
const VERBS: [&[&str]; 4] = [
    &["get", "list", "watch"],
    &["create", "update", "patch"],
    &["delete"],
    &[
        "get", "list", "watch", "create", "update", "patch", "delete",
    ],
];

fn rules(seed: usize) -> Vec<PolicyRule> {
    (0..4)
        .map(|i| {
            let (group, resource) = RESOURCES[(seed + i * 3) % RESOURCES.len()];
            PolicyRule {
                verbs: VERBS[(seed + i) % VERBS.len()]
                    .iter()
                    .map(|v| v.to_string())
                    .collect(),
                api_groups: vec![group.to_string()],
                resources: vec![resource.to_string()],
                ..PolicyRule::default()
            }
        })
        .collect()
}

fn subject(i: usize) -> Subject {
    match i % 3 {
        0 => Subject::User(format!("user-{}", i % 2_000)),
        1 => Subject::Group(format!("group-{}", i % 300)),
        _ => Subject::ServiceAccount {
            namespace: format!("ns-{}", i % NAMESPACES),
            name: format!("sa-{}", i % 7),
        },
    }
}

/// The generated policy on top of the bootstrap policy.
fn generated() -> Policy {
    let mut manifests = sources::Manifests::default();
    for c in 0..CLUSTER_ROLES {
        manifests.roles.push(Role {
            name: format!("cluster-role-{c}"),
            rules: rules(c),
            ..Role::default()
        });
    }
    for n in 0..NAMESPACES {
        for r in 0..ROLES_PER_NAMESPACE {
            manifests.roles.push(Role {
                namespace: Some(format!("ns-{n}")),
                name: format!("role-{r}"),
                rules: rules(n * 7 + r),
                ..Role::default()
            });
        }
        for b in 0..ROLE_BINDINGS_PER_NAMESPACE {
            let i = n * ROLE_BINDINGS_PER_NAMESPACE + b;
            let role_ref = if b % 2 == 0 {
                RoleRef {
                    kind: RoleRefKind::Role,
                    name: format!("role-{}", b % ROLES_PER_NAMESPACE),
                }
            } else {
                RoleRef {
                    kind: RoleRefKind::ClusterRole,
                    name: format!("cluster-role-{}", i % CLUSTER_ROLES),
                }
            };
            manifests.bindings.push(Binding {
                namespace: Some(format!("ns-{n}")),
                name: format!("binding-{b}"),
                role_ref,
                subjects: vec![subject(i), subject(i * 31 + 5)],
            });
        }
    }
    for c in 0..CLUSTER_ROLE_BINDINGS {
        manifests.bindings.push(Binding {
            namespace: None,
            name: format!("cluster-binding-{c}"),
            role_ref: RoleRef {
                kind: RoleRefKind::ClusterRole,
                name: format!("cluster-role-{}", c % CLUSTER_ROLES),
            },
            subjects: vec![subject(c * 13)],
        });
    }
    sources::build_policy(manifests, true).policy
}

fn benches(c: &mut Criterion) {
    let policy = generated();
    let bindings = policy.bindings().count();
    let roles = policy.roles().count();
    assert!(
        bindings >= 10_000 && roles >= 2_000,
        "{bindings} bindings, {roles} roles"
    );
    let nobody = kubeward_core::UserInfo::default();
    let user = impersonated_user(
        "user-42",
        vec!["group-42".into(), "system:authenticated".into()],
    );
    let verbs: Vec<String> = matrix::DEFAULT_VERBS
        .iter()
        .map(|v| v.to_string())
        .collect();
    let catalog = discovery::builtin();

    c.bench_function("who-can get pods in a namespace", |b| {
        let attrs = Attributes::resource(nobody.clone(), "get", "", "pods", "ns-7");
        b.iter(|| black_box(policy.who_can(&attrs)))
    });
    c.bench_function("who-can list secrets cluster-wide", |b| {
        let attrs = Attributes::resource(nobody.clone(), "list", "", "secrets", "");
        b.iter(|| black_box(policy.who_can(&attrs)))
    });
    c.bench_function("matrix for a user in a namespace", |b| {
        let resources = matrix::resources(catalog, "ns-7");
        b.iter(|| black_box(matrix::for_user(&policy, &user, "ns-7", &verbs, &resources)))
    });
    c.bench_function("matrix for a user cluster-wide", |b| {
        let resources = matrix::resources(catalog, "");
        b.iter(|| black_box(matrix::for_user(&policy, &user, "", &verbs, &resources)))
    });
    c.bench_function("matrix --for pods in a namespace", |b| {
        b.iter(|| black_box(matrix::for_resource(&policy, "", "pods", "ns-7", &verbs)))
    });
    c.bench_function("summary of a user", |b| {
        let subject = Subject::User("user-42".into());
        b.iter(|| black_box(summary::summarize(&policy, &subject, Some("ns-7"))))
    });
    c.bench_function("explain a request", |b| {
        let attrs = Attributes::resource(user.clone(), "delete", "", "pods", "ns-7");
        b.iter(|| black_box(explain::explain(&policy, &attrs)))
    });
    let mut slow = c.benchmark_group("whole policy");
    slow.sample_size(10);
    slow.bench_function("lint", |b| {
        let origins = Default::default();
        b.iter(|| black_box(lint::lint(&policy, &origins)))
    });
    slow.finish();
}

criterion_group!(analysis, benches);
criterion_main!(analysis);
