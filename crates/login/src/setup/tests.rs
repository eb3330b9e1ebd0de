//! Unit tests of the setup instructions.

use super::*;

#[test]
fn the_instructions_repeat_the_flags_and_name_the_api_server_flags() {
    let flags = vec![
        "--oidc-issuer-url=https://idp".to_string(),
        "--oidc-client-id=kubernetes".to_string(),
        "--oidc-extra-scope=email".to_string(),
    ];
    let text = render(&Instructions {
        issuer: "https://idp",
        client_id: "kubernetes",
        subject: "u1",
        claims_pretty: "{\n  \"sub\": \"u1\"\n}",
        flags: &flags,
    });
    assert!(text.contains("--user='https://idp#u1'"));
    assert!(text.contains("--oidc-issuer-url=https://idp\n--oidc-client-id=kubernetes\n"));
    assert!(text.contains(
        "  --exec-arg=get-token \\\n  --exec-arg=\"--oidc-issuer-url=https://idp\" \\\n  --exec-arg=\"--oidc-client-id=kubernetes\" \\\n  --exec-arg=\"--oidc-extra-scope=email\"\n```"
    ));
}
