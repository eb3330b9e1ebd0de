//! aws-iam-authenticator's `pkg/arn` tests (arn_test.go, arnlike_test.go), ported.

use super::*;

#[test]
fn canonical_arns_as_the_authenticator_computes_them() {
    let cases = [
        ("NOT AN ARN", None),
        (
            "arn:aws:iam::123456789012:user/Alice",
            Some("arn:aws:iam::123456789012:user/Alice"),
        ),
        (
            "arn:aws:iam::123456789012:role/Users",
            Some("arn:aws:iam::123456789012:role/Users"),
        ),
        (
            "arn:aws:sts::123456789012:assumed-role/Admin/Session",
            Some("arn:aws:iam::123456789012:role/Admin"),
        ),
        (
            "arn:aws:sts::123456789012:federated-user/Bob",
            Some("arn:aws:sts::123456789012:federated-user/Bob"),
        ),
        (
            "arn:aws:iam::123456789012:root",
            Some("arn:aws:iam::123456789012:root"),
        ),
        (
            "arn:aws:sts::123456789012:assumed-role/Org/Team/Admin/Session",
            Some("arn:aws:iam::123456789012:role/Org/Team/Admin"),
        ),
        (
            "arn:aws-iso:iam::123456789012:user/Chris",
            Some("arn:aws-iso:iam::123456789012:user/Chris"),
        ),
        (
            "arn:aws-iso-b:iam::123456789012:user/Chris",
            Some("arn:aws-iso-b:iam::123456789012:user/Chris"),
        ),
    ];
    for (input, expected) in cases {
        let got = canonicalize(input).ok().map(|(_, arn)| arn);
        assert_eq!(got.as_deref(), expected, "{input}");
    }
}

#[test]
fn canonicalisation_errors_say_why() {
    assert_eq!(
        canonicalize("arn").unwrap_err().to_string(),
        "arn 'arn' is invalid: 'arn: invalid prefix'"
    );
    assert_eq!(
        canonicalize("arn:aws:iam::1").unwrap_err().to_string(),
        "arn 'arn:aws:iam::1' is invalid: 'arn: not enough sections'"
    );
    assert_eq!(
        canonicalize("arn:aws-moon:iam::123456789012:user/a")
            .unwrap_err()
            .to_string(),
        "arn 'arn:aws-moon:iam::123456789012:user/a' does not have a recognized partition"
    );
    assert_eq!(
        canonicalize("arn:aws:sts::123456789012:assumed-role/OnlyRole").unwrap_err(),
        ArnError::NoRole("arn:aws:sts::123456789012:assumed-role/OnlyRole".into())
    );
    assert_eq!(
        canonicalize("arn:aws:iam::123456789012:group/devs")
            .unwrap_err()
            .to_string(),
        "unrecognized resource group/devs for service iam"
    );
    assert_eq!(
        canonicalize("arn:aws:s3:::bucket").unwrap_err().to_string(),
        "service s3 in arn arn:aws:s3:::bucket is not a valid service for identities"
    );
    assert_eq!(
        canonicalize("arn:aws:iam::123456789012:user/a").unwrap().0,
        PrincipalType::User
    );
}

#[test]
fn strip_path_keeps_the_role_name() {
    let cases = [
        ("NOT AN ARN", None),
        (
            "arn:aws:iam::123456789012:role/Org/Team/Admin",
            Some("arn:aws:iam::123456789012:role/Admin"),
        ),
        (
            "arn:aws:iam::123456789012:role/Admin",
            Some("arn:aws:iam::123456789012:role/Admin"),
        ),
        (
            "arn:aws:iam::123456789012:user/Alice",
            Some("arn:aws:iam::123456789012:user/Alice"),
        ),
        (
            "arn:aws:sts::123456789012:federated-user/Bob",
            Some("arn:aws:sts::123456789012:federated-user/Bob"),
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(strip_path(input).ok().as_deref(), expected, "{input}");
    }
}

#[test]
fn arn_like_positive_matches() {
    let arn = "arn:aws:iam::000000000000:role/some-role";
    for pattern in [
        "arn:aws:iam::000000000000:role/some-role",
        "arn:aws:iam::000000000000:*",
        "arn:*:*:*:*:*",
        "arn:aws:iam::000000000000:**",
        "arn:aws:iam::000000000000:*role*",
        "arn:aws:iam::000000000000:ro*",
        "arn:aws:iam::000000000000:??????????????",
    ] {
        assert_eq!(arn_like(arn, pattern), Ok(true), "{pattern}");
    }
    let wacky = r"arn:aws:testservice::000000000000:some/wacky-new-[resource]{with}\metacharacters";
    assert_eq!(arn_like(wacky, wacky), Ok(true));
    assert_eq!(
        arn_like(
            wacky,
            "arn:aws:testservice::000000000000:some/wacky-new-[reso*"
        ),
        Ok(true)
    );
}

#[test]
fn arn_like_negative_matches() {
    assert_eq!(
        arn_like(
            "arn:aws:iam::111111111111:role/some-role",
            "arn:aws:iam::000000000000:role/some-role"
        ),
        Ok(false)
    );
    assert_eq!(
        arn_like(
            "arn:aws:testservice::000000000000:some/wacky:resource:with:colon:delims",
            "arn:aws:testservice::**:delims"
        ),
        Ok(false)
    );
    assert_eq!(
        arn_like(
            "arn:aws:iam::000000000000:role/some-role",
            "arn:aws:iam::000000000000:role/some-*-x"
        ),
        Ok(false)
    );
}

#[test]
fn arn_like_errors() {
    let valid = "arn:aws:iam::000000000000:role/some-role";
    assert_eq!(
        arn_like(valid, "arn:*").unwrap_err().to_string(),
        "could not parse ArnLike string: not enough sections"
    );
    assert_eq!(
        arn_like("nar:aws:iam::000000000000:role/some-role", valid)
            .unwrap_err()
            .to_string(),
        "could not parse input arn: invalid prefix"
    );
    assert_eq!(
        arn_like("arn:aws:iam:000000000000:role/some-role", valid)
            .unwrap_err()
            .to_string(),
        "could not parse input arn: not enough sections"
    );
}

#[test]
fn question_mark_matches_zero_or_one_character_like_the_authenticators_regex() {
    assert!(glob_matches(b"ab?", b"ab"));
    assert!(glob_matches(b"ab?", b"abc"));
    assert!(!glob_matches(b"ab?", b"abcd"));
    assert!(glob_matches(b"a*c", b"abbbc"));
    assert!(!glob_matches(b"a*c", b"abbbd"));
    assert!(glob_matches(b"", b""));
    assert!(!glob_matches(b"", b"a"));
}
