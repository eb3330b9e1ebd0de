use super::*;

fn code() -> CodeGrant {
    CodeGrant {
        client_id: "app".into(),
        redirect_uri: "http://localhost:8000".into(),
        session_id: "s".into(),
        user_id: "u".into(),
        scope: "openid".into(),
        nonce: None,
        challenge: Some(Challenge {
            method: "S256".into(),
            value: pkce::s256(&"v".repeat(43)),
        }),
        expires_at: 160,
        family: None,
        used: false,
    }
}

#[test]
fn a_code_works_once_and_a_replay_names_its_family() {
    let mut c = code();
    let verifier = "v".repeat(43);
    assert_eq!(
        c.redeem("app", Some("http://localhost:8000"), Some(&verifier), 120),
        CodeOutcome::Valid
    );
    c.family = Some("f1".into());
    assert_eq!(
        c.redeem("app", Some("http://localhost:8000"), Some(&verifier), 121),
        CodeOutcome::Replayed(Some("f1".into()))
    );
}

#[test]
fn expired_mismatched_or_unverified_codes_are_refused() {
    let verifier = "v".repeat(43);
    let refused = |o: CodeOutcome| match o {
        CodeOutcome::Refused(e) => e.description,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        refused(code().redeem("app", Some("http://localhost:8000"), Some(&verifier), 160)),
        "Code not valid"
    );
    assert_eq!(
        refused(code().redeem("other", Some("http://localhost:8000"), Some(&verifier), 120)),
        "Code not valid"
    );
    assert_eq!(
        refused(code().redeem("app", Some("http://localhost:9000/x"), Some(&verifier), 120)),
        "Incorrect redirect_uri"
    );
    assert_eq!(
        refused(code().redeem("app", Some("http://localhost:8000"), None, 120)),
        "PKCE code verifier not specified"
    );
    assert_eq!(
        refused(code().redeem(
            "app",
            Some("http://localhost:8000"),
            Some(&"w".repeat(43)),
            120
        )),
        "PKCE verification failed"
    );
}

#[test]
fn device_polls_wait_then_succeed() {
    let mut d = DeviceGrant {
        client_id: "cli".into(),
        user_code: user_code(&[0, 1, 2, 3, 4, 5, 6, 7]),
        scope: "openid".into(),
        expires_at: 700,
        interval: 5,
        last_poll: None,
        decision: None,
    };
    assert_eq!(d.user_code, "BCDF-GHJK");
    assert_eq!(normalize_user_code("bcdf ghjk"), "BCDF-GHJK");
    assert_eq!(
        d.poll("cli", 100).unwrap_err().code,
        ErrorCode::AuthorizationPending
    );
    assert_eq!(d.poll("cli", 101).unwrap_err().code, ErrorCode::SlowDown);
    d.decision = Some(Ok(("s".into(), "u".into())));
    assert_eq!(d.poll("cli", 110), Ok(("s".into(), "u".into())));
    assert_eq!(
        d.poll("cli", 700).unwrap_err().code,
        ErrorCode::ExpiredToken
    );
}
