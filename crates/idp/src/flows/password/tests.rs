use super::*;

fn small() -> Params {
    Params::new(256, 1, 1, None).expect("valid parameters")
}

#[test]
fn a_hash_verifies_its_password_only() {
    let phc = hash_with("s3cret", &[1; 16], small()).unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{phc}");
    assert!(!phc.contains("s3cret"));
    assert!(verify("s3cret", Some(&phc)));
    assert!(!verify("s3cret ", Some(&phc)));
    assert!(!verify("", Some(&phc)));
}

#[test]
fn unknown_users_and_garbage_hashes_never_verify() {
    assert!(!verify("anything", None));
    assert!(!verify("x", Some("not a phc string")));
}

#[test]
fn default_parameters_are_owasp_argon2id() {
    let p = params();
    assert_eq!((p.m_cost(), p.t_cost(), p.p_cost()), (19456, 2, 1));
}

#[test]
fn a_new_password_must_be_given_and_confirmed() {
    assert_eq!(check_new("", ""), Err("Please specify password."));
    assert_eq!(
        check_new("a-new-one", "a-new-0ne"),
        Err("Passwords don't match.")
    );
    assert_eq!(check_new("a-new-one", "a-new-one"), Ok(()));
}
