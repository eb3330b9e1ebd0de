//! aws-iam-authenticator's STS answer tests (`TestVerifyHTTPThrottling`, `…HTTP403`,
//! `…UnmarshalJSONError`, `…InvalidCanonicalARNError`, `…InvalidUserIDError`, `…NoSession`,
//! `…SessionName`, `…CanonicalARN`, `TestGetIdentityFromSTSResponse`), ported, and the XML form.

use super::*;

fn json(arn: &str, account: &str, user_id: &str) -> StsReply {
    StsReply {
        status: 200,
        body: serde_json::json!({"GetCallerIdentityResponse": {
            "GetCallerIdentityResult": {"Account": account, "Arn": arn, "UserId": user_id},
            "ResponseMetadata": {"RequestId": "id1234"}}})
        .to_string()
        .into_bytes(),
    }
}

fn verify(reply: &StsReply) -> Result<Identity, StsError> {
    let caller = parse_reply(reply, "us-west-2")?;
    identity(
        caller,
        "ASIABCDEFGHIJKLMNOPQ",
        "sts.us-west-2.amazonaws.com",
    )
}

#[test]
fn throttling_and_errors() {
    let throttled = StsReply {
        status: 400,
        body: br#"{"Error":{"Code":"Throttling","Message":"Rate exceeded","Type":"Sender"},"RequestId":"x"}"#.to_vec(),
    };
    assert!(
        verify(&throttled)
            .unwrap_err()
            .to_string()
            .starts_with("sts getCallerIdentity was throttled: ")
    );
    let forbidden = StsReply {
        status: 403,
        body: b"<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>"
            .to_vec(),
    };
    assert_eq!(
        verify(&forbidden).unwrap_err().to_string(),
        "sts getCallerIdentity failed: error from AWS (expected 200, got 403) on us-west-2 endpoint. Body: <ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>"
    );
    let garbage = StsReply {
        status: 200,
        body: b"xxx".to_vec(),
    };
    assert!(matches!(verify(&garbage), Err(StsError::Body(_))));
    assert_eq!(
        verify(&json("arn", "1000", "userid"))
            .unwrap_err()
            .to_string(),
        "sts getCallerIdentity failed: arn 'arn' is invalid: 'arn: invalid prefix'"
    );
    assert_eq!(
        verify(&json(
            "arn:aws:iam::123456789012:role/Alice",
            "123456789012",
            "not:vailid:userid"
        ))
        .unwrap_err()
        .to_string(),
        "sts getCallerIdentity failed: malformed UserID \"not:vailid:userid\""
    );
    assert_eq!(
        StsError::Transport {
            reason: "connection refused".into(),
            region: "us-west-2".into()
        }
        .to_string(),
        "sts getCallerIdentity failed: error during GET: connection refused on us-west-2 endpoint"
    );
}

#[test]
fn a_user_without_session() {
    let id = verify(&json(
        "arn:aws:iam::123456789012:user/Alice",
        "123456789012",
        "Alice",
    ))
    .unwrap();
    assert_eq!(id.access_key_id, "ASIABCDEFGHIJKLMNOPQ");
    assert_eq!(id.arn, "arn:aws:iam::123456789012:user/Alice");
    assert_eq!(id.canonical_arn, "arn:aws:iam::123456789012:user/Alice");
    assert_eq!(id.user_id, "Alice");
    assert_eq!(id.session_name, "");
    assert_eq!(id.sts_endpoint, "sts.us-west-2.amazonaws.com");
}

#[test]
fn a_role_session_and_its_canonical_arn() {
    let id = verify(&json(
        "arn:aws:sts::123456789012:assumed-role/Alice/extra",
        "123456789012",
        "Alice:session-name",
    ))
    .unwrap();
    assert_eq!(id.user_id, "Alice");
    assert_eq!(id.session_name, "session-name");
    assert_eq!(id.arn, "arn:aws:sts::123456789012:assumed-role/Alice/extra");
    assert_eq!(id.canonical_arn, "arn:aws:iam::123456789012:role/Alice");
}

#[test]
fn identities_from_sts_responses() {
    let account = "123456789012";
    let cases = [
        ("arn:aws:iam::123456789012:root", account, account),
        (
            "arn:aws:iam::123456789012:user/Alice",
            "AIDAIYCCCMMMMMMMMGGDA",
            "AIDAIYCCCMMMMMMMMGGDA",
        ),
        (
            "arn:aws:sts::123456789012:federated-user/Alice",
            "123456789012:Alice",
            "123456789012:Alice",
        ),
    ];
    for (arn, user_id, want_user_id) in cases {
        let id = identity(
            CallerIdentity {
                account: account.into(),
                arn: arn.into(),
                user_id: user_id.into(),
            },
            "AKIAVVVVVVVVVVVAGAVA",
            "",
        )
        .unwrap();
        assert_eq!(id.canonical_arn, arn);
        assert_eq!(id.user_id, want_user_id);
        assert_eq!(id.account_id, account);
    }
    // A role ARN (not assumed) wants ID:SESSION like an assumed role does.
    let role = identity(
        CallerIdentity {
            account: account.into(),
            arn: "arn:aws:iam::123456789012:role/Alice".into(),
            user_id: "AROAZZCCCNNNNNNNNFFFA".into(),
        },
        "",
        "",
    );
    assert!(matches!(role, Err(StsError::UserId(_))));
}

#[test]
fn the_xml_answer_of_sts() {
    let xml = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::390844768149:user/testuser</Arn>
    <UserId>AIDAVZ3QK7EXAMPLE</UserId>
    <Account>390844768149</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>"#;
    let caller = parse_reply(
        &StsReply {
            status: 200,
            body: xml.as_bytes().to_vec(),
        },
        "ap-northeast-2",
    )
    .unwrap();
    assert_eq!(
        caller,
        CallerIdentity {
            account: "390844768149".into(),
            arn: "arn:aws:iam::390844768149:user/testuser".into(),
            user_id: "AIDAVZ3QK7EXAMPLE".into(),
        }
    );
}
