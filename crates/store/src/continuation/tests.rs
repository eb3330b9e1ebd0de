use super::*;

#[test]
fn tokens_round_trip_in_kubernetes_format() {
    let token = Continue {
        revision: Some(42),
        start: "default\u{0}web\u{0}".to_string(),
    };
    let encoded = token.encode();
    let json = String::from_utf8(URL_SAFE_NO_PAD.decode(&encoded).unwrap()).unwrap();
    assert_eq!(
        json,
        "{\"v\":\"meta.k8s.io/v1\",\"rv\":42,\"start\":\"default\\u0000web\\u0000\"}"
    );
    assert_eq!(Continue::decode(&encoded), Ok(token));
    let latest = Continue {
        revision: None,
        start: "b".into(),
    };
    assert_eq!(Continue::decode(&latest.encode()), Ok(latest));
}

#[test]
fn bad_tokens_get_kubernetes_errors() {
    let encode = |json: &str| URL_SAFE_NO_PAD.encode(json);
    assert!(matches!(
        Continue::decode("%%%"),
        Err(ContinueError::Malformed(_))
    ));
    assert!(matches!(
        Continue::decode(&encode("[1]")),
        Err(ContinueError::Malformed(_))
    ));
    assert_eq!(
        Continue::decode(&encode(
            "{\"v\":\"meta.k8s.io/v1\",\"rv\":0,\"start\":\"a\"}"
        )),
        Err(ContinueError::InvalidRevision)
    );
    assert_eq!(
        Continue::decode(&encode(
            "{\"v\":\"meta.k8s.io/v1\",\"rv\":3,\"start\":\"\"}"
        ))
        .unwrap_err()
        .to_string(),
        "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)"
    );
    assert_eq!(
        Continue::decode(&encode("{\"v\":\"x\",\"rv\":3,\"start\":\"a\"}")),
        Err(ContinueError::UnknownVersion("x".into()))
    );
}
