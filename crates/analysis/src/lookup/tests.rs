//! Tests of `lookup` and rbac-tool's table layout.

use super::*;
use crate::sources;

#[test]
fn lookup_of_kube_proxy_in_the_bootstrap_policy_as_rbac_tool_prints_it() {
    let policy = sources::build_policy(Default::default(), true).policy;
    let rows = lookup(&policy, &exact("system:kube-proxy").unwrap(), false);
    assert_eq!(
        render(&rows),
        "  SUBJECT           | SUBJECT TYPE | SCOPE       | NAMESPACE | ROLE                | BINDING\n\
         --------------------+--------------+-------------+-----------+---------------------+----------------------\n\
         \x20 system:kube-proxy | User         | ClusterRole |           | system:node-proxier | system:node-proxier\n"
    );
}

#[test]
fn inverse_lookup_leaves_out_the_matching_subjects() {
    let policy = sources::build_policy(Default::default(), true).policy;
    let pattern = Regex::new("^system:").unwrap();
    let rows = lookup(&policy, &pattern, true);
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| !r.subject.starts_with("system:")),
        "{rows:?}"
    );
}
