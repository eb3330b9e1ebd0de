use x509_parser::prelude::FromDer as _;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::*;

#[test]
fn service_account_key_is_rsa_2048_pkcs8() {
    let private = generate_service_account_key().expect("key");
    assert!(private.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let key = KeyPair::from_pem(&private).expect("parses");
    assert_eq!(key.algorithm(), &rcgen::PKCS_RSA_SHA256);

    let public = public_key_pem(&private).expect("public");
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    assert!(public.ends_with("-----END PUBLIC KEY-----\n"));
    let der = pem::decode_first(public.as_bytes())
        .expect("block")
        .contents;
    let (_, spki) = SubjectPublicKeyInfo::from_der(&der).expect("SPKI");
    match spki.parsed().expect("RSA key") {
        PublicKey::RSA(rsa) => assert_eq!(rsa.key_size(), 2048),
        other => panic!("expected RSA, got {other:?}"),
    }
}

#[test]
fn public_key_of_garbage_is_an_error() {
    assert!(matches!(public_key_pem("garbage"), Err(KeyError::Parse(_))));
}

#[test]
fn fingerprint_is_lowercase_hex_sha256() {
    assert_eq!(
        x509_sha256_fingerprint(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn certificate_der_from_pem_takes_the_first_certificate() {
    let pem_text = pem::encode("CERTIFICATE", b"\x30\x00");
    assert_eq!(certificate_der_from_pem(&pem_text), Some(vec![0x30, 0x00]));
    assert_eq!(certificate_der_from_pem("nothing"), None);
    assert_eq!(
        certificate_der_from_pem(&pem::encode("PUBLIC KEY", b"x")),
        None
    );
}
