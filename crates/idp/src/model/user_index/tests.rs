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

fn realm_of(users: &[(&str, Option<&str>)]) -> Realm {
    let mut realm = Realm::new("r".into(), "demo".into());
    for (i, (name, email)) in users.iter().enumerate() {
        realm.users.push(user(&i.to_string(), name, *email));
    }
    realm
}

#[test]
fn an_edit_leaves_out_what_both_versions_begin_and_end_with() {
    let before = realm_of(&[("a", None), ("b", None), ("c", None), ("d", None)]);
    let mut after = before.clone();
    after.users.remove(1);
    assert_eq!(
        Edit::between(&before.users, &after.users),
        Edit {
            start: 1,
            old_end: 2,
            new_end: 1
        }
    );
    after.users.push(user("9", "e", None));
    assert_eq!(Edit::between(&before.users, &after.users).size(), 6);
    // A change the index does not see (a first name) is no edit.
    let mut renamed = before.clone();
    renamed.users[2].first_name = Some("Carol".into());
    assert_eq!(Edit::between(&before.users, &renamed.users).size(), 0);
    assert_eq!(
        Edit::between(&before.users, &before.users[..2]),
        Edit {
            start: 2,
            old_end: 4,
            new_end: 2
        }
    );
}

/// A small deterministic generator (no dependency for one test).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

#[test]
fn followed_through_additions_removals_and_renames_it_equals_an_index_built_again() {
    let mut rng = Lcg(22);
    let names = ["ann", "Ann", "bob", "carol", "dave", "erin", "frank", "gus"];
    let emails = [None, Some("team@example.com"), Some("Solo@example.com")];
    let mut realm = realm_of(&[("zed", None), ("amy", Some("team@example.com"))]);
    let mut index = UserIndex::of(&realm);
    let mut next = 100;
    for step in 0..2_000 {
        let before = realm.clone();
        let len = realm.users.len();
        match rng.below(5) {
            0 | 1 => {
                let name = format!("{}{}", names[rng.below(names.len())], rng.below(30));
                let email = emails[rng.below(emails.len())];
                next += 1;
                realm
                    .users
                    .insert(rng.below(len + 1), user(&next.to_string(), &name, email));
            }
            2 if len > 0 => {
                realm.users.remove(rng.below(len));
            }
            3 if len > 0 => {
                let i = rng.below(len);
                realm.users[i].username = names[rng.below(names.len())].to_string();
                realm.users[i].email = emails[rng.below(emails.len())].map(str::to_string);
            }
            _ => {
                // Several at once, as one realm write may change them.
                let n = rng.below(4);
                realm.users.truncate(len.saturating_sub(n));
                for (k, name) in names.iter().enumerate().take(n) {
                    realm.users.push(user(&format!("x{step}-{k}"), name, None));
                }
            }
        }
        index = index.follow(&before, &realm);
        assert_eq!(index, UserIndex::of(&realm), "after step {step}");
    }
}

#[test]
fn a_large_change_builds_the_index_again() {
    let before = realm_of(&[("a", None)]);
    let mut after = before.clone();
    for i in 0..FOLLOW_AT_MOST + 1 {
        after
            .users
            .push(user(&format!("n{i}"), &format!("n{i:04}"), None));
    }
    let index = UserIndex::of(&before).follow(&before, &after);
    assert_eq!(index, UserIndex::of(&after));
    assert_eq!(index.in_username_order().len(), FOLLOW_AT_MOST + 2);
}
