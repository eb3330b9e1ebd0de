use super::*;
use crate::wire::{NonResourceAttributes, ResourceAttributes};

fn conditions(sources: &[&str]) -> MatchConditions {
    let sources: Vec<String> = sources.iter().map(|s| s.to_string()).collect();
    MatchConditions::compile(&sources, "").unwrap()
}

fn pods(user: &str) -> SpecV1 {
    SpecV1 {
        resource_attributes: Some(ResourceAttributes {
            namespace: "default".into(),
            verb: "list".into(),
            resource: "pods".into(),
            ..ResourceAttributes::default()
        }),
        user: user.into(),
        groups: vec!["dev".into()],
        ..SpecV1::default()
    }
}

#[test]
fn no_conditions_match_everything() {
    assert_eq!(conditions(&[]).matches(&pods("a")), Ok(true));
}

#[test]
fn one_false_condition_skips_the_webhook() {
    let c = conditions(&[
        "has(request.resourceAttributes)",
        "!(request.user in ['kubernetes-admin'])",
        "'dev' in request.groups",
    ]);
    assert_eq!(c.matches(&pods("alice")), Ok(true));
    assert_eq!(c.matches(&pods("kubernetes-admin")), Ok(false));
    let healthz = SpecV1 {
        non_resource_attributes: Some(NonResourceAttributes {
            path: "/healthz".into(),
            verb: "get".into(),
        }),
        user: "alice".into(),
        ..SpecV1::default()
    };
    assert_eq!(c.matches(&healthz), Ok(false));
}

#[test]
fn an_error_without_a_false_is_an_error_and_a_false_wins_over_an_error() {
    let c = conditions(&["request.resourceAttributes.verb == 'list'"]);
    let healthz = SpecV1 {
        non_resource_attributes: Some(NonResourceAttributes::default()),
        ..SpecV1::default()
    };
    let err = c.matches(&healthz).unwrap_err();
    assert!(
        err.starts_with("cel evaluation error: expression 'request.resourceAttributes.verb == 'list'' resulted in error:"),
        "{err}"
    );
    let c = conditions(&[
        "request.resourceAttributes.verb == 'list'",
        "request.user == 'x'",
    ]);
    assert_eq!(c.matches(&healthz), Ok(false));
    let c = conditions(&["request.user"]);
    assert_eq!(
        c.matches(&pods("a")).unwrap_err(),
        "cel evaluation error: expression 'request.user' eval result type should be bool but got string"
    );
}

#[test]
fn compile_errors_are_field_errors() {
    let errors = MatchConditions::compile(
        &[
            "".into(),
            "request.user == 'a'".into(),
            "request.user == 'a'".into(),
            "claims.sub == 'x'".into(),
        ],
        "authorizers[0].webhook",
    )
    .unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        text[0],
        "authorizers[0].webhook.matchConditions[0].expression: Required value"
    );
    assert_eq!(
        text[1],
        "authorizers[0].webhook.matchConditions[2].expression: Duplicate value: \"request.user == 'a'\""
    );
    assert!(
        text[2].contains("undeclared reference to 'claims'"),
        "{}",
        text[2]
    );
    let many: Vec<String> = (0..65).map(|i| format!("request.user == '{i}'")).collect();
    assert_eq!(
        MatchConditions::compile(&many, "w").unwrap_err()[0].to_string(),
        "w.matchConditions: Too many: 65: must have at most 64 items"
    );
}
