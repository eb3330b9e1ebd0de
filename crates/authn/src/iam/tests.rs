//! The two steps the server takes (check, then identity), the cache and the user it builds.

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;

use super::mapping::{MapperSet, UserMapping};
use super::*;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_385_600) // 2026-12-04T12:00:00Z
}

fn token(date: &str) -> String {
    let url = format!(
        "https://sts.ap-northeast-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15\
         &X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261204%2Fap-northeast-2%2Fsts%2Faws4_request\
         &X-Amz-Date={date}&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id\
         &X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    );
    format!(
        "k8s-aws-v1.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url)
    )
}

const TESTUSER: &str = "arn:aws:iam::390844768149:user/testuser";

fn reply() -> StsReply {
    StsReply {
        status: 200,
        body: format!(
            r#"{{"GetCallerIdentityResponse":{{"GetCallerIdentityResult":{{"Account":"390844768149","Arn":"{TESTUSER}","UserId":"AIDAVZ3QK7EXAMPLE"}},"ResponseMetadata":{{"RequestId":"r"}}}}}}"#
        )
        .into_bytes(),
    }
}

fn mappings(groups: &[&str]) -> Mappings {
    Mappings {
        config_map: MapperSet::new(
            vec![],
            vec![UserMapping {
                userarn: TESTUSER.into(),
                username: "testuser".into(),
                groups: groups.iter().map(|g| g.to_string()).collect(),
                userid: String::new(),
            }],
            vec![],
        ),
        ..Mappings::default()
    }
}

fn iam(endpoint: Option<&str>) -> Iam {
    let mut config = IamConfig::new("myeks");
    config.sts_endpoint = endpoint.map(String::from);
    Iam::new(config).unwrap()
}

fn call(iam: &Iam, token: &str, at: SystemTime) -> StsCall {
    match iam.check(token, at).unwrap() {
        Check::Call(call) => call,
        Check::Cached(user) => panic!("unexpectedly cached: {user:?}"),
    }
}

#[test]
fn the_sts_call_of_a_token() {
    let t = token("20261204T115500Z");
    let direct = call(&iam(None), &t, now());
    assert!(
        direct
            .url
            .starts_with("https://sts.ap-northeast-2.amazonaws.com/?Action=GetCallerIdentity&")
    );
    assert_eq!(
        direct.headers,
        [
            ("x-k8s-aws-id", "myeks".to_string()),
            ("accept", "application/json".to_string())
        ]
    );
    let local = call(&iam(Some("https://127.0.0.1:4599/")), &t, now());
    assert!(
        local
            .url
            .starts_with("https://127.0.0.1:4599/?Action=GetCallerIdentity&")
    );
    assert_eq!(
        local.headers[0],
        ("host", "sts.ap-northeast-2.amazonaws.com".to_string())
    );
    assert!(!format!("{local:?}").contains("X-Amz-Signature"));
}

#[test]
fn a_verified_token_is_answered_from_the_cache_with_the_current_mappings() {
    let iam = iam(None);
    iam.set_mappings(mappings(&["system:masters"]));
    let t = token("20261204T115500Z");
    let c = call(&iam, &t, now());
    let user = iam.identity(&c, &reply(), now()).unwrap();
    assert_eq!(user.name, "testuser");
    assert_eq!(user.groups, ["system:masters"]);
    assert_eq!(
        user.uid,
        "aws-iam-authenticator:390844768149:AIDAVZ3QK7EXAMPLE"
    );
    assert_eq!(user.extra["arn"], [TESTUSER]);
    assert_eq!(user.extra["canonicalArn"], [TESTUSER]);
    assert_eq!(user.extra["accessKeyId"], ["AKIAIOSFODNN7EXAMPLE"]);
    assert_eq!(user.extra["sessionName"], [""]);
    assert_eq!(user.extra["principalId"], ["AIDAVZ3QK7EXAMPLE"]);
    assert_eq!(
        user.extra["sigs.k8s.io/aws-iam-authenticator/principalId"],
        ["AIDAVZ3QK7EXAMPLE"]
    );
    // Repeats need no STS call.
    let Check::Cached(again) = iam.check(&t, now() + Duration::from_secs(60)).unwrap() else {
        panic!("not cached")
    };
    assert_eq!(again, user);
    // The seed: aws-auth edited to system:authenticated, then the mapping deleted.
    iam.set_mappings(mappings(&["system:authenticated"]));
    let Check::Cached(edited) = iam.check(&t, now()).unwrap() else {
        panic!("not cached")
    };
    assert_eq!(edited.groups, ["system:authenticated"]);
    iam.set_mappings(Mappings::default());
    assert_eq!(
        iam.check(&t, now()).unwrap_err().to_string(),
        format!("ARN is not mapped: {TESTUSER}")
    );
    // After the token's 15 minutes, STS is asked again (and the token is refused as expired).
    assert!(matches!(
        iam.check(&t, now() + Duration::from_secs(601)),
        Err(IamError::Format(FormatError::Expired(_)))
    ));
}

#[test]
fn failures_are_not_cached() {
    let iam = iam(None);
    iam.set_mappings(mappings(&["system:masters"]));
    let t = token("20261204T115500Z");
    let c = call(&iam, &t, now());
    let denied = StsReply {
        status: 403,
        body: b"<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>"
            .to_vec(),
    };
    assert!(matches!(
        iam.identity(&c, &denied, now()),
        Err(IamError::Sts(StsError::Status { status: 403, .. }))
    ));
    assert!(matches!(iam.check(&t, now()), Ok(Check::Call(_))));
    let throttled = StsReply {
        status: 400,
        body: b"<Error><Code>Throttling</Code></Error>".to_vec(),
    };
    assert!(
        iam.identity(&c, &throttled, now())
            .unwrap_err()
            .is_throttled()
    );
    assert_eq!(
        c.transport_error("connection refused").to_string(),
        "sts getCallerIdentity failed: error during GET: connection refused on ap-northeast-2 endpoint"
    );
}

#[test]
fn an_unmapped_identity_is_refused_then_mapped_once_added() {
    let iam = iam(None);
    let t = token("20261204T115500Z");
    let c = call(&iam, &t, now());
    assert!(matches!(
        iam.identity(&c, &reply(), now()),
        Err(IamError::Mapping(MapError::NotMapped(_)))
    ));
    iam.set_mappings(mappings(&["system:masters"]));
    let Check::Cached(user) = iam.check(&t, now()).unwrap() else {
        panic!("the verified identity should be cached")
    };
    assert_eq!(user.name, "testuser");
}

#[test]
fn settings_are_checked() {
    assert!(Iam::new(IamConfig::new("")).is_err());
    let mut bad = IamConfig::new("x");
    bad.partition = "aws-moon".into();
    assert!(Iam::new(bad).unwrap_err().contains("--aws-iam-partition"));
    let mut bad = IamConfig::new("x");
    bad.sts_endpoint = Some("127.0.0.1:4599".into());
    assert!(Iam::new(bad).is_err());
    let mut bad = IamConfig::new("x");
    bad.region = "us_east_1".into();
    assert!(Iam::new(bad).is_err());
}

/// In the union: refused until STS vouched for the token, then answered from the IAM cache with
/// `system:authenticated` added, and mapped with the newest mappings at every request (not
/// kept for the union's 10 seconds).
#[test]
fn the_union_answers_iam_tokens_from_the_iam_cache() {
    let mut settings_config = IamConfig::new("myeks");
    settings_config.region = "ap-northeast-2".into();
    let union = crate::Authenticator::new(crate::AuthenticatorConfig {
        iam: Some(IamSettings {
            config: settings_config,
            sts_ca_pem: None,
            mapping_file: MapperSet::default(),
        }),
        ..Default::default()
    })
    .unwrap();
    let lookup = crate::test_support::Store::default();
    let t = token("20261204T115500Z");
    let refused = union
        .authenticate_token(&t, None, &lookup, now())
        .unwrap_err();
    assert_eq!(refused, format!("invalid bearer token, {NOT_VERIFIED}"));

    let iam = union.iam().unwrap();
    iam.set_mappings(mappings(&["system:masters"]));
    let c = call(iam, &t, now());
    iam.identity(&c, &reply(), now()).unwrap();
    let found = union.authenticate_token(&t, None, &lookup, now()).unwrap();
    assert_eq!(found.user.name, "testuser");
    assert_eq!(
        found.user.groups,
        ["system:masters", "system:authenticated"]
    );
    iam.update_mappings(|m| m.config_map = MapperSet::default());
    assert_eq!(
        union
            .authenticate_token(&t, None, &lookup, now())
            .unwrap_err(),
        format!("invalid bearer token, ARN is not mapped: {TESTUSER}")
    );
    // A malformed IAM token says why, never the token.
    let bad = union
        .authenticate_token("k8s-aws-v1.!!", None, &lookup, now())
        .unwrap_err();
    assert!(
        bad.starts_with("invalid bearer token, input token was not properly formatted:"),
        "{bad}"
    );
}
