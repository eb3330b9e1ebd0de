//! The shared credentials file, as the AWS CLI writes it.

use super::*;

const FILE: &str = "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret/one\n\n[node]\naws_access_key_id=ASIAEXAMPLE\naws_secret_access_key=secret-two\naws_session_token = IQoJ==\n[empty]\n";

#[test]
fn profiles_of_the_credentials_file() {
    assert_eq!(
        profile(FILE, "default"),
        Some(Credentials {
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: "secret/one".into(),
            session_token: None,
        })
    );
    let node = profile(FILE, "node").unwrap();
    assert_eq!(node.session_token.as_deref(), Some("IQoJ=="));
    assert_eq!(profile(FILE, "empty"), None);
    assert_eq!(profile(FILE, "missing"), None);
    assert!(!format!("{node:?}").contains("secret-two"));
}
