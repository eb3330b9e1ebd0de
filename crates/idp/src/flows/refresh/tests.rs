use super::*;

const L: Lifetimes = Lifetimes {
    single_use: true,
    idle: 1800,
    max: 36000,
};

fn session() -> (Session, TokenId) {
    let mut s = Session::new("s".into(), "u".into(), 100, 100);
    let jti = s.start_family("f".into(), "app", "openid profile email", 100);
    (s, TokenId::parse(&jti).unwrap())
}

#[test]
fn each_refresh_rotates_to_the_next_generation() {
    let (mut s, first) = session();
    let Redeemed::Rotated { jti, scope } = s.redeem(&first, "app", L, 200) else {
        panic!("rotates")
    };
    assert_eq!(jti, "f.1");
    assert_eq!(scope, "openid profile email");
    let second = TokenId::parse(&jti).unwrap();
    assert!(matches!(
        s.redeem(&second, "app", L, 300),
        Redeemed::Rotated { .. }
    ));
}

#[test]
fn a_replayed_token_revokes_the_whole_family() {
    let (mut s, first) = session();
    let Redeemed::Rotated { jti, .. } = s.redeem(&first, "app", L, 200) else {
        panic!()
    };
    let replay = s.redeem(&first, "app", L, 210);
    assert!(replay.persist());
    let Redeemed::Refused(e, true) = replay else {
        panic!()
    };
    assert_eq!(
        e.description,
        "Maximum allowed refresh token reuse exceeded"
    );
    // The legitimate newest token is dead too.
    let Redeemed::Refused(e, false) = s.redeem(&TokenId::parse(&jti).unwrap(), "app", L, 220)
    else {
        panic!()
    };
    assert_eq!(e.description, "Invalid refresh token");
    assert!(!s.serves("app", L, 220));
}

#[test]
fn idle_sessions_and_other_clients_are_refused() {
    let (mut s, first) = session();
    let Redeemed::Refused(e, _) = s.redeem(&first, "other", L, 200) else {
        panic!()
    };
    assert!(e.description.starts_with("Invalid refresh token."));
    let Redeemed::Refused(e, _) = s.redeem(&first, "app", L, 100 + 1800) else {
        panic!()
    };
    assert_eq!(e.description, "Session not active");
    assert!(TokenId::parse("nodot").is_none());
    assert!(TokenId::parse("f.x").is_none());
}

#[test]
fn without_single_use_an_older_token_still_refreshes() {
    let (mut s, first) = session();
    let reusable = Lifetimes {
        single_use: false,
        ..L
    };
    assert!(matches!(
        s.redeem(&first, "app", reusable, 200),
        Redeemed::Rotated { .. }
    ));
    assert!(matches!(
        s.redeem(&first, "app", reusable, 210),
        Redeemed::Rotated { .. }
    ));
    assert!(s.serves("app", reusable, 220));
}
