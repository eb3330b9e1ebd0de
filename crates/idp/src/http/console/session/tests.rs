//! Session lifetimes, flashes and the CSRF check.

use super::*;

#[test]
fn a_session_lives_while_used_and_never_past_its_maximum() {
    let sessions = Sessions::default();
    let id = sessions.start("u1", "admin", 1000);
    let s = sessions.touch(&id, 1000 + IDLE - 1).expect("alive");
    assert_eq!((s.user_id.as_str(), s.username.as_str()), ("u1", "admin"));
    // Idle too long: gone for good.
    assert!(sessions.touch(&id, 1000 + 2 * IDLE).is_none());
    assert!(sessions.touch(&id, 1000).is_none());
    // Busy, but past the maximum.
    let id = sessions.start("u1", "admin", 0);
    let mut t = 0;
    while t + IDLE / 2 < MAX {
        t += IDLE / 2;
        assert!(sessions.touch(&id, t).is_some());
    }
    assert!(sessions.touch(&id, MAX).is_none());
    assert!(sessions.touch("unknown", 0).is_none());
}

#[test]
fn a_flash_is_shown_once() {
    let sessions = Sessions::default();
    let id = sessions.start("u1", "admin", 0);
    sessions.flash(&id, Flash::Done("client ops created".into()));
    assert_eq!(
        sessions.touch(&id, 1).unwrap().flash,
        Some(Flash::Done("client ops created".into()))
    );
    assert_eq!(sessions.touch(&id, 2).unwrap().flash, None);
    sessions.end(&id);
    assert!(sessions.touch(&id, 3).is_none());
}

#[test]
fn only_the_sessions_own_token_passes() {
    let sessions = Sessions::default();
    let id = sessions.start("u1", "admin", 0);
    let s = sessions.touch(&id, 0).unwrap();
    let other = sessions.touch(&sessions.start("u2", "b", 0), 0).unwrap();
    assert!(csrf_matches(&s, Some(&s.csrf)));
    assert!(!csrf_matches(&s, Some(&other.csrf)));
    assert!(!csrf_matches(&s, Some("")));
    assert!(!csrf_matches(&s, None));
    assert_eq!(s.csrf.len(), other.csrf.len());
}

#[test]
fn the_cookie_is_strict_and_limited_to_the_console() {
    assert_eq!(
        cookie("abc"),
        "KUBEWARD_ADMIN_CONSOLE=abc; Path=/admin/console; Secure; HttpOnly; SameSite=Strict"
    );
    assert!(cookie("").ends_with("; Max-Age=0"));
}
