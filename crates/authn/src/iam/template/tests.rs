//! The template rules: `@` becomes `-` in `{{SessionName}}` only, EC2 names need an instance id.

use std::collections::HashMap;

use super::*;
use crate::iam::arn::PrincipalType;

fn identity(session: &str) -> Identity {
    Identity {
        arn: format!("arn:aws:sts::123456789012:assumed-role/dev/{session}"),
        canonical_arn: "arn:aws:iam::123456789012:role/dev".into(),
        principal_type: PrincipalType::AssumedRole,
        account_id: "123456789012".into(),
        user_id: "AROAEXAMPLE".into(),
        session_name: session.into(),
        access_key_id: "ASIAEXAMPLE".into(),
        sts_endpoint: "sts.amazonaws.com".into(),
    }
}

#[test]
fn session_names_accounts_and_keys() {
    let none = HashMap::new();
    let id = identity("alice@example.com");
    assert_eq!(
        render("dev:{{SessionName}}", &id, &none).unwrap(),
        "dev:alice-example.com"
    );
    assert_eq!(
        render("{{SessionNameRaw}}", &id, &none).unwrap(),
        "alice@example.com"
    );
    assert_eq!(
        render("{{AccountID}}:{{AccessKeyID}}", &id, &none).unwrap(),
        "123456789012:ASIAEXAMPLE"
    );
    assert_eq!(render("plain", &id, &none).unwrap(), "plain");
}

#[test]
fn ec2_private_dns_names() {
    let mut names = HashMap::new();
    names.insert(
        "i-0123456789abcdef0".to_string(),
        "ip-192-168-1-31.ap-northeast-2.compute.internal".to_string(),
    );
    assert_eq!(
        render(
            "system:node:{{EC2PrivateDNSName}}",
            &identity("i-0123456789abcdef0"),
            &names
        )
        .unwrap(),
        "system:node:ip-192-168-1-31.ap-northeast-2.compute.internal"
    );
    assert_eq!(
        render(
            "system:node:{{EC2PrivateDNSName}}",
            &identity("alice"),
            &names
        ),
        Err(TemplateError::NotAnInstance)
    );
    assert_eq!(
        render(
            "system:node:{{EC2PrivateDNSName}}",
            &identity("i-12345678"),
            &names
        ),
        Err(TemplateError::UnknownInstance("i-12345678".into()))
    );
    assert!(is_instance_id("i-12345678"));
    assert!(!is_instance_id("i-1234567"));
    assert!(!is_instance_id("i-0123456789abcdef-"));
}
