use super::*;

fn uris(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn exact_uris_match_and_others_do_not() {
    let r = uris(&["https://app.example/cb"]);
    assert!(allowed(&r, "https://app.example/cb"));
    assert!(!allowed(&r, "https://app.example/cb2"));
    assert!(!allowed(&r, "https://app.example/cb#x"));
    assert!(!allowed(&r, "https://evil.example/cb"));
}

#[test]
fn loopback_uris_match_on_any_port_but_same_path() {
    let r = uris(&["http://localhost:8000", "http://127.0.0.1/callback"]);
    assert!(allowed(&r, "http://localhost:8000"));
    assert!(allowed(&r, "http://localhost:18000/"));
    assert!(allowed(&r, "http://127.0.0.1:53124/callback"));
    assert!(!allowed(&r, "http://127.0.0.1:53124/other"));
    assert!(!allowed(&r, "https://localhost:8000"));
    assert!(!allowed(&r, "http://localhost.evil:8000"));
    assert!(!allowed(&r, "http://localhost:80x0"));
}

#[test]
fn a_trailing_star_matches_a_prefix() {
    let r = uris(&["https://app.example/*"]);
    assert!(allowed(&r, "https://app.example/any/path"));
    assert!(!allowed(&r, "https://app.example.evil/"));
}
