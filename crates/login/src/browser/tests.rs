//! The browser command: waited for, never blocking past its limit; the CA hint names the file.

use std::time::{Duration, Instant};

use super::*;

#[test]
fn a_browser_that_exits_is_not_waited_for_longer() {
    let options = BrowserOptions {
        browser_command: Some("false".into()),
        ..BrowserOptions::default()
    };
    let start = Instant::now();
    open("http://localhost:1/", &options).wait(Duration::from_secs(30));
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_missing_browser_and_skip_open_browser_return_at_once() {
    let missing = BrowserOptions {
        browser_command: Some("/nonexistent/browser".into()),
        ..BrowserOptions::default()
    };
    let start = Instant::now();
    open("http://localhost:1/", &missing).wait(Duration::from_secs(30));
    let skipped = BrowserOptions {
        skip_open_browser: true,
        ..BrowserOptions::default()
    };
    open("http://localhost:1/", &skipped).wait(Duration::from_secs(30));
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn the_trust_hint_names_the_ca_file() {
    assert_eq!(
        trust_hint(std::path::Path::new("/data/pki/ca.crt")),
        "If the browser shows ERR_CERT_AUTHORITY_INVALID, it does not trust /data/pki/ca.crt: import it as an authority (certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n oidc-ca -i /data/pki/ca.crt, or the browser's certificate settings)."
    );
}
