//! The AWS CLI's shorthand for access scopes.

use super::*;

#[test]
fn scopes_in_the_aws_cli_shorthand() {
    assert_eq!(
        parse_scope("type=cluster").unwrap(),
        AccessScope {
            scope_type: "cluster".into(),
            namespaces: vec![]
        }
    );
    assert_eq!(
        parse_scope("type=namespace,namespaces=dev-team,infra-team").unwrap(),
        AccessScope {
            scope_type: "namespace".into(),
            namespaces: vec!["dev-team".into(), "infra-team".into()]
        }
    );
    assert!(parse_scope("cluster").is_err());
}
