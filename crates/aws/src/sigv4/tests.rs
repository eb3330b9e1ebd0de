//! Requests signed by botocore (the AWS CLI's signer; `botocore.json`, made with botocore
//! 1.43 at a fixed time) verified with AWS's Rust signer, and every way to spoil them.

use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

use super::*;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn fixtures() -> Value {
    serde_json::from_str(include_str!("botocore.json")).unwrap()
}

/// 2026-12-04T11:55:00Z, when botocore signed.
fn signed_at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_385_300)
}

fn presigned(url: &str) -> (String, String) {
    let rest = url.strip_prefix("https://").unwrap();
    let (host, query) = rest.split_once("/?").unwrap();
    (host.to_string(), query.to_string())
}

fn check(
    host: &str,
    query: &str,
    cluster_id: &str,
    secret: &str,
    token: Option<&str>,
) -> Result<(), AwsError> {
    let headers = vec![
        ("host".to_string(), host.to_string()),
        ("x-k8s-aws-id".to_string(), cluster_id.to_string()),
        ("accept".to_string(), "application/json".to_string()),
    ];
    let request = Incoming {
        method: "GET",
        host,
        path: "/",
        query,
        headers: &headers,
        body: b"",
    };
    let signature = read_signature(&request)?.expect("signed");
    check_time(&signature, signed_at() + Duration::from_secs(60))?;
    verify(&request, &signature, secret, token)
}

#[test]
fn a_presigned_get_caller_identity_of_aws_eks_get_token() {
    let (host, query) = presigned(fixtures()["presigned_url"].as_str().unwrap());
    assert_eq!(check(&host, &query, "myeks", SECRET, None), Ok(()));
    // Another cluster id in x-k8s-aws-id: the signature does not match.
    assert_eq!(
        check(&host, &query, "other", SECRET, None),
        Err(AwsError::signature_mismatch())
    );
    // Another secret.
    assert_eq!(
        check(&host, &query, "myeks", "not-the-secret", None),
        Err(AwsError::signature_mismatch())
    );
    // A tampered signature, a tampered parameter, another host.
    let tampered = query.replace("X-Amz-Signature=df", "X-Amz-Signature=ef");
    assert_eq!(
        check(&host, &tampered, "myeks", SECRET, None),
        Err(AwsError::signature_mismatch())
    );
    let tampered = query.replace("X-Amz-Expires=60", "X-Amz-Expires=900");
    assert_eq!(
        check(&host, &tampered, "myeks", SECRET, None),
        Err(AwsError::signature_mismatch())
    );
    assert_eq!(
        check("sts.us-east-1.amazonaws.com", &query, "myeks", SECRET, None),
        Err(AwsError::signature_mismatch())
    );
    // A header the client did not sign is left out; one it signed but did not send fails.
    let unsigned = query.replace("host%3Bx-k8s-aws-id", "host");
    assert_eq!(
        check(&host, &unsigned, "myeks", SECRET, None),
        Err(AwsError::signature_mismatch())
    );
}

#[test]
fn temporary_credentials_need_their_session_token() {
    let (host, query) = presigned(fixtures()["presigned_session_url"].as_str().unwrap());
    let token = "FwoGZXIvYXdzEBYaD+session/token==";
    assert_eq!(
        check(&host, &query, "myeks", "secret/with+chars", Some(token)),
        Ok(())
    );
    assert_eq!(
        check(&host, &query, "myeks", "secret/with+chars", Some("another")),
        Err(AwsError::invalid_client_token())
    );
}

#[test]
fn a_header_signed_post_of_the_aws_cli() {
    let fx = fixtures();
    let mut headers: Vec<(String, String)> = fx["post"]["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    headers.push(("host".into(), "127.0.0.1:4599".into()));
    let body = fx["post"]["body"].as_str().unwrap().as_bytes().to_vec();
    let request = Incoming {
        method: "POST",
        host: "127.0.0.1:4599",
        path: "/",
        query: "",
        headers: &headers,
        body: &body,
    };
    let signature = read_signature(&request).unwrap().unwrap();
    assert_eq!(signature.service, "iam");
    assert_eq!(signature.region, "us-east-1");
    assert_eq!(signature.access_key_id, "AKIDEXAMPLE");
    assert_eq!(verify(&request, &signature, SECRET, None), Ok(()));
    let altered = b"Action=CreateUser&Version=2010-05-08&UserName=admin".to_vec();
    let request = Incoming {
        body: &altered,
        ..request
    };
    assert_eq!(
        verify(&request, &signature, SECRET, None),
        Err(AwsError::signature_mismatch())
    );
}

#[test]
fn clock_checks() {
    let (host, query) = presigned(fixtures()["presigned_url"].as_str().unwrap());
    let headers = vec![("host".to_string(), host.clone())];
    let request = Incoming {
        method: "GET",
        host: &host,
        path: "/",
        query: &query,
        headers: &headers,
        body: b"",
    };
    let signature = read_signature(&request).unwrap().unwrap();
    // STS: 15 minutes whatever X-Amz-Expires (60) says.
    assert_eq!(
        check_time(&signature, signed_at() + Duration::from_secs(900)),
        Ok(())
    );
    assert_eq!(
        check_time(&signature, signed_at() + Duration::from_secs(901))
            .unwrap_err()
            .message,
        "Signature expired: 20261204T115500Z is now earlier than 20261204T115501Z (20261204T121001Z - 15 min.)"
    );
    assert_eq!(
        check_time(&signature, signed_at() - Duration::from_secs(901))
            .unwrap_err()
            .message,
        "Signature not yet current: 20261204T115500Z is still later than 20261204T115459Z (20261204T113959Z + 15 min.)"
    );
}

#[test]
fn unsigned_and_malformed_requests() {
    let headers = vec![];
    let plain = Incoming {
        method: "GET",
        host: "sts.amazonaws.com",
        path: "/",
        query: "Action=GetCallerIdentity&Version=2011-06-15",
        headers: &headers,
        body: b"",
    };
    assert_eq!(read_signature(&plain), Ok(None));
    let bad = Incoming {
        query: "Action=GetCallerIdentity&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2Fx",
        ..plain
    };
    assert_eq!(
        read_signature(&bad).unwrap_err().code,
        "IncompleteSignature"
    );
    let auth = vec![("authorization".to_string(), "Basic abc".to_string())];
    let basic = Incoming {
        headers: &auth,
        query: "",
        ..plain
    };
    assert_eq!(
        read_signature(&basic).unwrap_err().code,
        "IncompleteSignature"
    );
}
