use super::*;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn names(map: &HeaderMap) -> Vec<String> {
    let mut names: Vec<String> = map.keys().map(|k| k.as_str().to_string()).collect();
    names.sort();
    names
}

#[test]
fn credentials_impersonation_and_hop_by_hop_headers_never_cross() {
    let sent = headers(&[
        ("authorization", "Bearer secret"),
        ("impersonate-user", "system:admin"),
        ("Impersonate-Group", "system:masters"),
        ("impersonate-extra-scopes", "x"),
        ("connection", "keep-alive, x-smuggled"),
        ("x-smuggled", "1"),
        ("keep-alive", "timeout=5"),
        ("te", "trailers"),
        ("transfer-encoding", "chunked"),
        ("proxy-authorization", "Basic x"),
        ("host", "gateway:8443"),
        ("accept", "application/json"),
        ("content-type", "application/apply-patch+yaml"),
        ("user-agent", "kubectl"),
    ]);
    assert_eq!(
        names(&forwarded_request_headers(&sent, false)),
        ["accept", "content-type", "user-agent"]
    );
}

#[test]
fn an_upgrade_keeps_its_connection_and_upgrade_headers() {
    let sent = headers(&[
        ("connection", "Upgrade"),
        ("upgrade", "SPDY/3.1"),
        ("x-stream-protocol-version", "v4.channel.k8s.io"),
        ("authorization", "Bearer secret"),
    ]);
    assert!(is_upgrade(&sent));
    let forwarded = forwarded_request_headers(&sent, true);
    assert_eq!(
        names(&forwarded),
        ["connection", "upgrade", "x-stream-protocol-version"]
    );
    assert_eq!(forwarded["upgrade"], "SPDY/3.1");
    assert!(!is_upgrade(&headers(&[("upgrade", "websocket")])));
    let answer = headers(&[
        ("connection", "Upgrade"),
        ("upgrade", "websocket"),
        ("sec-websocket-accept", "abc"),
        ("sec-websocket-protocol", "v5.channel.k8s.io"),
    ]);
    assert_eq!(
        names(&forwarded_response_headers(&answer, true)),
        [
            "connection",
            "sec-websocket-accept",
            "sec-websocket-protocol",
            "upgrade"
        ]
    );
    assert_eq!(
        names(&forwarded_response_headers(&answer, false)),
        ["sec-websocket-accept", "sec-websocket-protocol"]
    );
}

#[test]
fn the_user_travels_as_impersonation_headers() {
    let mut user = UserInfo::new("oidc:jiwoo", ["oidc:dev", "system:authenticated"]);
    user.uid = "u-1".into();
    user.extra.insert(
        "authentication.kubernetes.io/credential-id".into(),
        vec!["JTI=abc".into()],
    );
    user.extra
        .insert("scopes".into(), vec!["a".into(), "b".into()]);
    let sent = impersonation_headers(&user);
    assert_eq!(sent["impersonate-user"], "oidc:jiwoo");
    let groups: Vec<&str> = sent
        .get_all("impersonate-group")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(groups, ["oidc:dev", "system:authenticated"]);
    assert_eq!(sent["impersonate-uid"], "u-1");
    assert_eq!(
        sent["impersonate-extra-authentication.kubernetes.io%2fcredential-id"],
        "JTI=abc"
    );
    assert_eq!(sent.get_all("impersonate-extra-scopes").iter().count(), 2);
    assert_eq!(escape_key("a/b%c d"), "a%2Fb%25c%20d");
}
