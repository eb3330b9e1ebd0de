use super::*;
use crate::model::User;

fn user(id: &str, username: &str, email: Option<&str>) -> User {
    let mut u = User::new(id.into(), username);
    u.email = email.map(str::to_string);
    u
}

#[test]
fn finds_users_by_username_and_email_and_lists_them_in_username_order() {
    let mut realm = Realm::new("r".into(), "demo".into());
    for u in [
        user("1", "carol", Some("Team@Example.com")),
        user("2", "alice", Some("alice@example.com")),
        user("3", "bob", Some("team@example.com")),
        user("4", "dave", None),
    ] {
        realm.add_user(u).unwrap();
    }
    let index = UserIndex::of(&realm);
    assert_eq!(index.username("alice"), &[1]);
    assert_eq!(index.username("nobody"), &[] as &[usize]);
    assert_eq!(index.email("team@example.com"), &[0, 2]);
    assert_eq!(index.email("dave@example.com"), &[] as &[usize]);
    let names: Vec<&str> = index
        .in_username_order()
        .iter()
        .map(|&i| realm.users[i].username.as_str())
        .collect();
    assert_eq!(names, ["alice", "bob", "carol", "dave"]);
}

#[test]
fn usernames_differing_in_case_are_both_found() {
    // Imported as stored, so an old export may hold both.
    let mut realm = Realm::new("r".into(), "demo".into());
    realm.users.push(user("1", "ann", None));
    let mut upper = user("2", "x", None);
    upper.username = "Ann".into();
    realm.users.push(upper);
    assert_eq!(UserIndex::of(&realm).username("ann"), &[0, 1]);
}
