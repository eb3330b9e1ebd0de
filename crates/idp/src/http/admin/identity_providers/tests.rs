use super::matches;

#[test]
fn search_is_a_prefix_an_infix_or_exact_as_keycloaks() {
    assert!(matches("corp-oidc", "corp"));
    assert!(!matches("corp-oidc", "oidc"));
    assert!(matches("corp-oidc", "*oidc*"));
    assert!(matches("Corp-OIDC", "corp*"));
    assert!(matches("corp", "\"corp\""));
    assert!(!matches("corp-oidc", "\"corp\""));
}
