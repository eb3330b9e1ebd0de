//! Compiling and evaluating expressions.

use super::*;

fn claims() -> Value {
    to_cel(&serde_json::json!({"sub": "u1", "groups": ["a", "", "b"], "email": "x@y", "n": 3}))
}

#[test]
fn claims_expressions_evaluate() {
    let e = Expression::compile("claims.sub + ':' + claims.email", Environment::Claims).unwrap();
    assert_eq!(
        e.evaluate(&claims()).unwrap(),
        Value::String("u1:x@y".to_string().into())
    );
    let e = Expression::compile("claims.groups.map(g, 'oidc:' + g)", Environment::Claims).unwrap();
    let groups = string_list(&e.evaluate(&claims()).unwrap()).unwrap();
    assert_eq!(groups, ["oidc:a", "oidc:", "oidc:b"]);
    let e = Expression::compile("claims.groups", Environment::Claims).unwrap();
    assert_eq!(
        string_list(&e.evaluate(&claims()).unwrap()).unwrap(),
        ["a", "b"]
    );
}

#[test]
fn kubernetes_string_extensions_are_available() {
    let e = Expression::compile("claims.email.split('@')[1]", Environment::Claims).unwrap();
    assert_eq!(
        e.evaluate(&claims()).unwrap(),
        Value::String("y".to_string().into())
    );
}

#[test]
fn undeclared_variables_and_syntax_errors_fail_to_compile() {
    let err = Expression::compile("user.username", Environment::Claims).unwrap_err();
    assert_eq!(
        err.to_string(),
        "compilation failed: ERROR: <input>: undeclared reference to 'user' (in container '')"
    );
    assert!(Expression::compile("claims.sub ==", Environment::Claims).is_err());
    assert!(Expression::compile("user.groups.all(g, g != 'x')", Environment::User).is_ok());
}

#[test]
fn missing_claims_are_evaluation_errors() {
    let e = Expression::compile("claims.nope", Environment::Claims).unwrap();
    assert!(matches!(e.evaluate(&claims()), Err(CelError::Eval(_))));
}

#[test]
fn selects_finds_claim_references() {
    let e = Expression::compile(
        "claims.email_verified ? claims.email : ''",
        Environment::Claims,
    )
    .unwrap();
    assert!(e.selects_claim("email"));
    assert!(e.selects_claim("email_verified"));
    let e = Expression::compile("has(claims.email)", Environment::Claims).unwrap();
    assert!(e.selects_claim("email"));
    let e = Expression::compile("claims.sub", Environment::Claims).unwrap();
    assert!(!e.selects_claim("email"));
}

#[test]
fn string_list_refuses_other_types() {
    assert_eq!(
        string_list(&Value::Int(1)).unwrap_err().to_string(),
        "expression must return a string or a list of strings"
    );
    assert!(string_list(&Value::Null).unwrap().is_empty());
    assert!(
        string_list(&Value::String(String::new().into()))
            .unwrap()
            .is_empty()
    );
}
