//! Every check of the token, with aws-iam-authenticator's `TestVerifyTokenPreSTSValidations`
//! ported and the bad tokens of the issue (double encoding, path tricks, …) added.

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;

use super::*;

/// 2026-12-04T12:00:00Z.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_385_600)
}

const DATE: &str = "20261204T115500Z";

fn verifier(partition: &str) -> Verifier {
    Verifier {
        partition: partition.into(),
        region: String::new(),
    }
}

fn to_token(url: &str) -> String {
    format!(
        "{V1_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url)
    )
}

/// A well-formed presigned URL, as `aws eks get-token` writes it, with `replace` applied.
fn good_url() -> String {
    format!(
        "https://sts.ap-northeast-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15\
         &X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261204%2Fap-northeast-2%2Fsts%2Faws4_request\
         &X-Amz-Date={DATE}&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id\
         &X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    )
}

fn check(partition: &str, token: &str) -> Result<Presigned, FormatError> {
    verifier(partition).parse(token, now())
}

fn reason(token: &str) -> String {
    match check("aws", token) {
        Ok(_) => panic!("accepted: {token}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_token_of_aws_eks_get_token_passes_every_check() {
    let presigned = check("aws", &to_token(&good_url())).unwrap();
    assert_eq!(presigned.host, "sts.ap-northeast-2.amazonaws.com");
    assert_eq!(presigned.region, "ap-northeast-2");
    assert_eq!(presigned.access_key_id, "AKIAIOSFODNN7EXAMPLE");
    assert_eq!(
        presigned.expires_at,
        parse_amz_date(DATE).unwrap() + Duration::from_secs(900)
    );
    assert!(presigned.raw_query.starts_with("Action=GetCallerIdentity&"));
    // Debug never shows the signature.
    assert!(!format!("{presigned:?}").contains("0123456789abcdef"));
}

#[test]
fn the_authenticators_pre_sts_validations() {
    let t = |url: &str| to_token(url);
    let too_large = "\0".repeat(MAX_TOKEN_LEN + 1);
    let cases: Vec<(String, &str)> = vec![
        (too_large, "token is too large"),
        (
            "k8s-aws-v2.asdfasdfa".into(),
            "token is missing expected \"k8s-aws-v1.\" prefix",
        ),
        ("k8s-aws-v1.decodingerror".into(), "illegal base64 data"),
        (t(":ab:cd.af:/asda"), "missing protocol scheme"),
        (t("http://"), "unexpected scheme"),
        (
            t("https://google.com"),
            "could not parse region for pre-signed URL google.com, invalid host format: google.com",
        ),
        (
            t("https://sts.amazonaws.com/abc"),
            "unexpected path in pre-signed URL",
        ),
        (
            t("https://sts.amazonaws.com/?NoInWhiteList=abc"),
            "non-whitelisted query parameter",
        ),
        (
            t("https://sts.amazonaws.com/?action=get&action=post"),
            "query parameter with multiple values not supported",
        ),
        (
            t("https://sts.amazonaws.com/?action=NotGetCallerIdenity"),
            "unexpected action parameter in pre-signed URL",
        ),
        (
            t(
                "https://sts.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=abc%3bx-k8s-aws-i%3bdef",
            ),
            "client did not sign the x-k8s-aws-id header in the pre-signed URL",
        ),
        (
            t(&format!(
                "https://sts.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date={DATE}&x-amz-expires=9999999"
            )),
            "invalid X-Amz-Expires parameter in pre-signed URL",
        ),
        (
            t(
                "https://sts.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date=xxxxxxx&x-amz-expires=60",
            ),
            "error parsing X-Amz-Date parameter",
        ),
        (
            t(
                "https://sts.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date=19900422T010203Z&x-amz-expires=60",
            ),
            "X-Amz-Date parameter is expired",
        ),
        (
            t(&format!(
                "https://sts.sa-east-1.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date={DATE}&x-amz-expires=60%gh"
            )),
            "malformed query parameter",
        ),
        (
            t(&format!(
                "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAAAAAAAAAAAAAAAAA%2F20220601%2Fus-west-2%2Fsts%2Faws4_request&X-Amz-Date={DATE}&X-Amz-Expires=900&X-Amz-Security-Token=XXXXXXXXXXXXX&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&x-amz-credential=eve&X-Amz-Signature=999999999999999999"
            )),
            "duplicate query parameter found:",
        ),
    ];
    for (token, expected) in cases {
        let got = reason(&token);
        assert!(
            got.contains(expected),
            "{got:?} should contain {expected:?}"
        );
    }
    let cn = check("aws-cn", &t("https://sts.cn-north-1.amazonaws.com.cn/abc"));
    assert_eq!(cn.unwrap_err(), FormatError::Path);
}

#[test]
fn the_authenticators_successes_pass_its_checks() {
    for region in [
        "us-east-2",
        "ap-northeast-2",
        "ca-central-1",
        "eu-west-1",
        "sa-east-1",
    ] {
        let url = format!(
            "https://sts.{region}.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date={DATE}&x-amz-expires=60"
        );
        // The authenticator accepts these; kubeward's own last checks then want the
        // Version and the algorithm that every real client sends.
        assert_eq!(check("aws", &to_token(&url)), Err(FormatError::Version));
        let full = format!("{url}&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256");
        assert!(check("aws", &to_token(&full)).is_ok(), "{region}");
    }
}

/// `good_url()` with `from` replaced by `to`.
fn tampered(from: &str, to: &str) -> String {
    let url = good_url();
    assert!(url.contains(from), "{from}");
    to_token(&url.replacen(from, to, 1))
}

#[test]
fn thirty_bad_tokens_each_with_its_reason() {
    let padded = format!("{}==", to_token(&good_url()));
    let cases: Vec<(String, FormatError)> = vec![
        // 1–4: the envelope
        ("k8s-aws-v1".into(), FormatError::Prefix),
        (to_token(&good_url()).replacen("k8s-aws-v1.", "K8S-AWS-V1.", 1), FormatError::Prefix),
        (padded, FormatError::Base64(to_token(&good_url()).len() - V1_PREFIX.len())),
        (format!("{}{}", to_token(&good_url()), "A".repeat(MAX_TOKEN_LEN)), FormatError::TooLarge),
        // 5–8: scheme and host
        (tampered("https://", "http://"), FormatError::Scheme("http".into())),
        (tampered("https://sts.ap-northeast-2.amazonaws.com", "https://sts.ap-northeast-2.amazonaws.com.evil.example"),
            FormatError::Host(HostError::Unexpected("sts.ap-northeast-2.amazonaws.com.evil.example".into()))),
        (tampered("sts.ap-northeast-2.amazonaws.com", "127.0.0.1:4566"),
            FormatError::Host(HostError::Unexpected("127.0.0.1:4566".into()))),
        (tampered("sts.ap-northeast-2.amazonaws.com", "sts.ap-northeast-2.amazonaws.com:x"),
            FormatError::Url("invalid port \":x\" after host".into())),
        (tampered("sts.ap-northeast-2.amazonaws.com", "sts.ap-northeast-2.amazonaws.com.cn"),
            FormatError::Host(HostError::Unexpected("sts.ap-northeast-2.amazonaws.com.cn".into()))),
        // 9–12: path tricks
        (tampered(".com/?", ".com?"), FormatError::Path),
        (tampered(".com/?", ".com//?"), FormatError::Path),
        (tampered(".com/?", ".com/%2F?"), FormatError::Path),
        (tampered(".com/?", ".com/x/../?"), FormatError::Path),
        // 13–18: the query
        (tampered("Action=GetCallerIdentity", "Action=AssumeRole"), FormatError::Action),
        (tampered("Action=GetCallerIdentity", "Action=GetCallerIdentity&Action=AssumeRole"), FormatError::MultipleValues),
        (tampered("Action=GetCallerIdentity", "Action=GetCallerIdentity&action=GetCallerIdentity"),
            FormatError::DuplicateParameter("action".into())),
        (tampered("Action=GetCallerIdentity", "Action=%2547etCallerIdentity"), FormatError::Action),
        (tampered("&Version=", "&RoleArn=x&Version="), FormatError::UnknownParameter("RoleArn".into())),
        (tampered("X-Amz-Expires=60", "X-Amz-Expires=60;x=1"), FormatError::MalformedQuery),
        // 19–20: the signed headers
        (tampered("host%3Bx-k8s-aws-id", "host"), FormatError::UnsignedClusterId),
        (tampered("host%3Bx-k8s-aws-id", "host%3Bx-k8s-aws-idx"), FormatError::UnsignedClusterId),
        // 21–24: X-Amz-Expires
        (tampered("X-Amz-Expires=60", "X-Amz-Expires=901"), FormatError::Expires(901)),
        (tampered("X-Amz-Expires=60", "X-Amz-Expires=-1"), FormatError::Expires(-1)),
        (tampered("X-Amz-Expires=60", "X-Amz-Expires=%2060"), FormatError::Expires(0)),
        (tampered("&X-Amz-Expires=60", ""), FormatError::Expires(0)),
        // 25–28: X-Amz-Date
        (tampered(&format!("&X-Amz-Date={DATE}"), ""), FormatError::DateMissing),
        (tampered(DATE, "20261204T114459Z"), FormatError::Expired("2026-12-04 11:44:59 +0000 UTC".into())),
        (tampered(DATE, "20261304T115500Z"), FormatError::DateFormat {
            date: "20261304T115500Z".into(),
            reason: "parsing time \"20261304T115500Z\": month out of range".into(),
        }),
        (tampered(DATE, "2026-12-04T11:55:00Z"), FormatError::DateFormat {
            date: "2026-12-04T11:55:00Z".into(),
            reason: "parsing time \"2026-12-04T11:55:00Z\" as \"20060102T150405Z\": cannot parse \"-12-04T11:55:00Z\" as \"01\"".into(),
        }),
        // 29–32: kubeward's own last checks
        (tampered("&Version=2011-06-15", "&Version=2012-01-01"), FormatError::Version),
        (tampered("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"), FormatError::Algorithm),
        (tampered("https://", "https://user@"), FormatError::UserInfo),
        (to_token(&format!("{}#frag", good_url())), FormatError::Fragment),
        // 33–34: encodings of the token itself
        (format!("{V1_PREFIX}aHR0cHM6Ly9zdHMu/W1h"), FormatError::Base64(16)),
        (format!("{V1_PREFIX}{}", "%%%%"), FormatError::Base64(0)),
    ];
    assert!(cases.len() >= 30);
    for (i, (token, expected)) in cases.into_iter().enumerate() {
        let got = check("aws", &token);
        assert_eq!(got.map(|_| ()), Err(expected), "case {}", i + 1);
    }
}

#[test]
fn base64_errors_name_the_byte() {
    assert_eq!(
        reason("k8s-aws-v1.decodingerror"),
        "illegal base64 data at input byte 12"
    );
    assert_eq!(
        reason("k8s-aws-v1.ab+c"),
        "illegal base64 data at input byte 2"
    );
}

#[test]
fn url_errors_never_quote_the_url() {
    let secret = "https://sts.amazonaws.com/%zz?X-Amz-Signature=SECRETSIG";
    let got = reason(&to_token(secret));
    assert_eq!(got, "invalid URL escape \"%zz\"");
    let got = reason(&to_token(
        "https://sts.amazonaws.com/\u{1}?X-Amz-Signature=SECRETSIG",
    ));
    assert_eq!(got, "net/url: invalid control character in URL");
}

#[test]
fn the_expiry_boundary_is_fifteen_minutes_after_the_date() {
    let token = to_token(&good_url());
    let signed = parse_amz_date(DATE).unwrap();
    let v = verifier("aws");
    assert!(v.parse(&token, signed + Duration::from_secs(900)).is_ok());
    assert_eq!(
        v.parse(&token, signed + Duration::from_secs(901))
            .map(|_| ()),
        Err(FormatError::Expired("2026-12-04 11:55:00 +0000 UTC".into()))
    );
}

#[test]
fn scheme_and_parameter_names_are_case_insensitive_as_in_go() {
    let url =
        good_url()
            .replacen("https://", "HTTPS://", 1)
            .replacen("X-Amz-Date", "x-amz-date", 1);
    assert!(check("aws", &to_token(&url)).is_ok());
}

#[test]
fn go_date_parsing() {
    assert_eq!(
        go_time_string(parse_amz_date("19900422T010203Z").unwrap()),
        "1990-04-22 01:02:03 +0000 UTC"
    );
    assert_eq!(
        amz_date(parse_amz_date("20240229T235959Z").unwrap()),
        "20240229T235959Z"
    );
    assert_eq!(
        parse_amz_date("20230229T000000Z").unwrap_err(),
        "parsing time \"20230229T000000Z\": day out of range"
    );
    assert_eq!(
        parse_amz_date("20230228T000000Zx").unwrap_err(),
        "parsing time \"20230228T000000Zx\": extra text: \"x\""
    );
    assert_eq!(
        parse_amz_date("20230228T240000Z").unwrap_err(),
        "parsing time \"20230228T240000Z\": hour out of range"
    );
    assert_eq!(
        parse_amz_date("xxxxxxx").unwrap_err(),
        "parsing time \"xxxxxxx\" as \"20060102T150405Z\": cannot parse \"xxxxxxx\" as \"2006\""
    );
}

#[test]
fn atoi_as_go() {
    assert_eq!(go_atoi("60"), Some(60));
    assert_eq!(go_atoi("+60"), Some(60));
    assert_eq!(go_atoi("-0"), Some(0));
    assert_eq!(go_atoi(" 60"), None);
    assert_eq!(go_atoi(""), None);
    assert_eq!(go_atoi("6e1"), None);
}
