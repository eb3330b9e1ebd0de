//! Unit tests of PKCE and the random values.

use super::*;

#[test]
fn s256_matches_rfc7636_appendix_b() {
    assert_eq!(
        s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[test]
fn fresh_values_differ_and_have_43_characters() {
    let a = Pkce::new().unwrap();
    let b = Pkce::new().unwrap();
    assert_ne!(a.verifier, b.verifier);
    assert_eq!(a.verifier.len(), 43);
    assert_eq!(a.challenge, s256_challenge(&a.verifier));
    assert_ne!(random_string().unwrap(), random_string().unwrap());
}
