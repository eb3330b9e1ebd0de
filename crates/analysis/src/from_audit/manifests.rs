//! The generated roles and bindings as Kubernetes manifests (`rbac.authorization.k8s.io/v1`
//! YAML documents separated by `---`), ready for `kubectl apply -f`.

use k8s_openapi::api::rbac::v1 as wire;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kubeward_rbac::{Binding, PolicyRule, Role, RoleRefKind, Subject};

use super::generate::Generated;

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

fn some(items: &[String]) -> Option<Vec<String>> {
    (!items.is_empty()).then(|| items.to_vec())
}

fn rule(rule: &PolicyRule) -> wire::PolicyRule {
    wire::PolicyRule {
        verbs: rule.verbs.clone(),
        api_groups: if rule.non_resource_urls.is_empty() {
            Some(rule.api_groups.clone())
        } else {
            None
        },
        resources: some(&rule.resources),
        resource_names: some(&rule.resource_names),
        non_resource_urls: some(&rule.non_resource_urls),
    }
}

fn meta(namespace: Option<&String>, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: namespace.cloned(),
        ..ObjectMeta::default()
    }
}

fn subject(subject: &Subject) -> wire::Subject {
    match subject {
        Subject::User(name) => wire::Subject {
            kind: "User".into(),
            api_group: Some(RBAC_GROUP.into()),
            name: name.clone(),
            namespace: None,
        },
        Subject::Group(name) => wire::Subject {
            kind: "Group".into(),
            api_group: Some(RBAC_GROUP.into()),
            name: name.clone(),
            namespace: None,
        },
        Subject::ServiceAccount { namespace, name } => wire::Subject {
            kind: "ServiceAccount".into(),
            api_group: None,
            name: name.clone(),
            namespace: Some(namespace.clone()),
        },
    }
}

fn role_document(role: &Role) -> Result<String, serde_saphyr::SerializeError> {
    let rules = Some(role.rules.iter().map(rule).collect());
    match &role.namespace {
        Some(_) => serde_saphyr::to_string(&wire::Role {
            metadata: meta(role.namespace.as_ref(), &role.name),
            rules,
        }),
        None => serde_saphyr::to_string(&wire::ClusterRole {
            metadata: meta(None, &role.name),
            rules,
            aggregation_rule: None,
        }),
    }
}

fn binding_document(binding: &Binding) -> Result<String, serde_saphyr::SerializeError> {
    let role_ref = wire::RoleRef {
        api_group: RBAC_GROUP.into(),
        kind: match binding.role_ref.kind {
            RoleRefKind::Role => "Role".into(),
            RoleRefKind::ClusterRole => "ClusterRole".into(),
        },
        name: binding.role_ref.name.clone(),
    };
    let subjects = Some(binding.subjects.iter().map(subject).collect());
    match &binding.namespace {
        Some(_) => serde_saphyr::to_string(&wire::RoleBinding {
            metadata: meta(binding.namespace.as_ref(), &binding.name),
            role_ref,
            subjects,
        }),
        None => serde_saphyr::to_string(&wire::ClusterRoleBinding {
            metadata: meta(None, &binding.name),
            role_ref,
            subjects,
        }),
    }
}

/// The YAML documents: each role followed by its binding.
pub fn to_yaml(generated: &Generated) -> Result<String, serde_saphyr::SerializeError> {
    let mut documents = Vec::new();
    for (role, binding) in generated.roles.iter().zip(&generated.bindings) {
        documents.push(role_document(role)?);
        documents.push(binding_document(binding)?);
    }
    Ok(documents.join("---\n"))
}
