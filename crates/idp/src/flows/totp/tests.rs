use super::*;

// RFC 6238 appendix B, SHA1 seed "12345678901234567890" (base32 below), 8 digits there; the
// last 6 digits are the 6-digit password.
const SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

#[test]
fn rfc_6238_vectors_and_skew() {
    assert_eq!(generate(SEED, 59).as_deref(), Some("287082"));
    assert_eq!(generate(SEED, 1111111109).as_deref(), Some("081804"));
    assert!(verify(SEED, "081804", 1111111109));
    assert!(
        verify(SEED, "081804", 1111111109 + 30),
        "one step late is accepted"
    );
    assert!(!verify(SEED, "081804", 1111111109 + 90));
    assert!(!verify(SEED, "12345", 59));
    assert!(!verify(SEED, "abcdef", 59));
    assert!(!verify("not base32!", "287082", 59));
}

#[test]
fn enrolment_uri_names_the_account() {
    let s = secret(&[1; 20]);
    let uri = otpauth_uri(&s, "kubernetes", "test").unwrap();
    assert!(
        uri.starts_with("otpauth://totp/kubernetes:test?secret="),
        "{uri}"
    );
}
