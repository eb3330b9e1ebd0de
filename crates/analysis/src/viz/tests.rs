//! Tests of the graph and its two renderings (the page itself runs in Chromium in the binary's
//! end-to-end tests).

use super::*;
use crate::sources::{self, manifest};

const SA: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: view-it, namespace: dev-team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: dev-k8s}]
";

#[test]
fn subjects_point_to_bindings_to_roles_to_rules() {
    let policy = sources::build_policy(manifest::parse(SA, "sa.yaml").unwrap(), true).policy;
    let g = graph(&policy);
    let edge = |a: &str, b: &str| g.edges.iter().any(|(x, y)| x == a && y == b);
    assert!(edge(
        "ServiceAccount/dev-team/dev-k8s",
        "RoleBinding/dev-team/view-it"
    ));
    assert!(edge("RoleBinding/dev-team/view-it", "ClusterRole/view"));
    assert!(edge("ClusterRole/view", "ClusterRole/view#0"));
}

#[test]
fn the_page_is_self_contained_and_its_data_cannot_close_the_script() {
    let mut g = Graph::default();
    g.nodes.push(Node {
        id: "x".into(),
        column: "subject",
        kind: "User".into(),
        label: "</script><b>".into(),
        namespace: String::new(),
        builtin: false,
    });
    let page = html(&g, false);
    assert!(!page.contains("</script><b>"));
    assert!(page.contains("<\\/script><b>"));
    assert!(
        !page.contains("http://") || !page.contains("src=\"http"),
        "no remote resources"
    );
    assert!(!page.contains("<script src"), "scripts are inline");
}

#[test]
fn dot_quotes_ids() {
    let policy = sources::build_policy(manifest::parse(SA, "sa.yaml").unwrap(), false).policy;
    let text = dot(&graph(&policy), false);
    assert!(text.starts_with("digraph rbac {"));
    assert!(
        text.contains("\"ServiceAccount/dev-team/dev-k8s\" -> \"RoleBinding/dev-team/view-it\";")
    );
}

#[test]
fn the_bootstrap_policy_is_built_in_unless_an_administrators_binding_reaches_it() {
    let policy = sources::build_policy(manifest::parse(SA, "sa.yaml").unwrap(), true).policy;
    let g = graph(&policy);
    let builtin = |id: &str| {
        g.nodes
            .iter()
            .find(|n| n.id == id)
            .unwrap_or_else(|| panic!("{id}"))
            .builtin
    };
    // What the administrator made, and the built-in role it grants, with its rules.
    assert!(!builtin("ServiceAccount/dev-team/dev-k8s"));
    assert!(!builtin("RoleBinding/dev-team/view-it"));
    assert!(!builtin("ClusterRole/view"));
    assert!(!builtin("ClusterRole/view#0"));
    // The controllers' bindings, their roles and subjects; cluster-admin and system:masters.
    assert!(builtin(
        "ClusterRoleBinding/system:controller:job-controller"
    ));
    assert!(builtin("ClusterRole/system:controller:job-controller"));
    assert!(builtin("ServiceAccount/kube-system/job-controller"));
    assert!(builtin("ClusterRoleBinding/cluster-admin"));
    assert!(builtin("Group/system:masters"));
    let shown = g.nodes.iter().filter(|n| !n.builtin).count();
    assert!(
        shown < 40 && g.nodes.len() > 200,
        "{shown} of {}",
        g.nodes.len()
    );

    // dot leaves them out unless asked; the page carries them, hidden at first.
    let hidden = dot(&g, false);
    assert!(!hidden.contains("job-controller"));
    assert!(hidden.contains("\"RoleBinding/dev-team/view-it\" -> \"ClusterRole/view\";"));
    assert!(dot(&g, true).contains("job-controller"));
    assert!(html(&g, false).contains("\"showBuiltin\":false"));
    assert!(html(&g, true).contains("\"showBuiltin\":true"));
}
