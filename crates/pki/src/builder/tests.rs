use super::*;

#[test]
fn key_usage_bits_match_go() {
    // digitalSignature | keyEncipherment → 03 02 05 a0
    assert_eq!(
        key_usage_value(crate::usage::ku::DIGITAL_SIGNATURE | crate::usage::ku::KEY_ENCIPHERMENT),
        vec![0x03, 0x02, 0x05, 0xa0]
    );
    // certSign | crlSign | digitalSignature → 03 02 01 86
    assert_eq!(
        key_usage_value(
            crate::usage::ku::CERT_SIGN
                | crate::usage::ku::CRL_SIGN
                | crate::usage::ku::DIGITAL_SIGNATURE
        ),
        vec![0x03, 0x02, 0x01, 0x86]
    );
    // decipherOnly needs a second byte.
    assert_eq!(
        key_usage_value(crate::usage::ku::DECIPHER_ONLY),
        vec![0x03, 0x03, 0x07, 0x00, 0x80]
    );
}

#[test]
fn go_name_orders_organization_before_common_name() {
    let name = GoName {
        common_name: "minjun".to_string(),
        organization: vec!["dev-team".to_string()],
        ..GoName::default()
    };
    // The golden certificate's subject: MCQxETAPBgNVBAoTCGRldi10ZWFtMQ8wDQYDVQQDEwZtaW5qdW4=
    let expected: &[u8] = &[
        0x30, 0x24, 0x31, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x13, 0x08, b'd', b'e',
        b'v', b'-', b't', b'e', b'a', b'm', 0x31, 0x0f, 0x30, 0x0d, 0x06, 0x03, 0x55, 0x04, 0x03,
        0x13, 0x06, b'm', b'i', b'n', b'j', b'u', b'n',
    ];
    assert_eq!(name.to_der(), expected);
    assert!(!name.is_empty());
    assert!(GoName::default().is_empty());
}
