//! Dates, and what the pages escape.

use super::*;

#[test]
fn times_are_utc_calendar_dates() {
    assert_eq!(utc(0), "1970-01-01 00:00:00");
    assert_eq!(utc(951_782_400), "2000-02-29 00:00:00");
    assert_eq!(utc(1_798_761_599), "2026-12-31 23:59:59");
}

#[test]
fn names_are_escaped_and_every_form_carries_the_token() {
    let page = ClientsPage {
        frame: Frame {
            admin: "admin".into(),
            csrf: "TOKEN".into(),
            realm: Some("a b".into()),
            section: "clients",
            done: Some("<b>".into()),
            failed: None,
        },
        realm: "a b".into(),
        clients: vec![ClientRow {
            uuid: "u1".into(),
            client_id: "<script>".into(),
            kind: "public",
            enabled: true,
            grants: String::new(),
        }],
    };
    let html = page.render().unwrap();
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"),
        "{html}"
    );
    assert!(html.contains("/admin/console/realms/a%20b/clients/u1"));
    assert!(html.contains("aria-current=\"page\">Clients"));
    assert_eq!(
        html.matches("<form method=\"post\"").count(),
        html.matches("name=\"csrf\" value=\"TOKEN\"").count()
    );
}
