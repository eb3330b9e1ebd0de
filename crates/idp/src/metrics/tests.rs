use std::collections::BTreeMap;

use super::*;
use crate::events::Event;

fn login(kind: &str, error: Option<&str>, details: &[(&str, &str)]) -> Recorded {
    Recorded::Login(Event {
        id: "e".into(),
        time: 0,
        kind: kind.into(),
        realm_id: "id".into(),
        client_id: Some("kubernetes".into()),
        user_id: None,
        session_id: None,
        ip_address: None,
        error: error.map(str::to_string),
        details: details
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    })
}

fn context() -> Context {
    Context {
        realm: "kubeward".into(),
        ..Context::default()
    }
}

#[test]
fn events_count_as_keycloak_names_them_and_tokens_reuse_and_lockouts_on_their_own() {
    let metrics = IdpMetrics::new();
    let c = context();
    metrics.on_event(&login("LOGIN", None, &[("grant_type", "password")]), &c);
    metrics.on_event(
        &login(
            "LOGIN_ERROR",
            Some("invalid_user_credentials"),
            &[("grant_type", "password")],
        ),
        &c,
    );
    metrics.on_event(
        &login(
            "CODE_TO_TOKEN",
            None,
            &[("grant_type", "authorization_code")],
        ),
        &c,
    );
    metrics.on_event(
        &login(
            "REFRESH_TOKEN_ERROR",
            Some("invalid_token"),
            &[("grant_type", "refresh_token"), ("reason", REUSE_DETECTED)],
        ),
        &c,
    );
    metrics.on_event(&login("USER_DISABLED_BY_TEMPORARY_LOCKOUT", None, &[]), &c);
    let text = metrics.render();
    for line in [
        r#"keycloak_user_events_total{realm="kubeward",client_id="kubernetes",idp="",event="login",error=""} 1"#,
        r#"keycloak_user_events_total{realm="kubeward",client_id="kubernetes",idp="",event="login",error="invalid_user_credentials"} 1"#,
        r#"keycloak_user_events_total{realm="kubeward",client_id="kubernetes",idp="",event="refresh_token",error="invalid_token"} 1"#,
        r#"kubeward_idp_tokens_issued_total{realm="kubeward",grant_type="password"} 1"#,
        r#"kubeward_idp_tokens_issued_total{realm="kubeward",grant_type="authorization_code"} 1"#,
        r#"kubeward_idp_refresh_token_reuse_total{realm="kubeward"} 1"#,
        r#"kubeward_idp_lockouts_total{realm="kubeward"} 1"#,
    ] {
        assert!(text.contains(line), "{line} not in\n{text}");
    }
    assert!(!text.contains(r#"grant_type="refresh_token"} "#), "{text}");
    assert!(text.ends_with("# EOF\n"));
}
