use super::*;

fn user(name: &str, groups: &[&str]) -> UserInfo {
    let mut user = UserInfo::new(name, groups.iter().copied());
    user.uid = "6b5d6f2a-3b64-4a53-8e0e-d1b2f4b7a9c1".to_string();
    user.extra.insert(
        "authentication.kubernetes.io/credential-id".to_string(),
        vec!["JTI=<a&b>".to_string()],
    );
    user
}

fn memo_user(user: &UserInfo) -> String {
    let mut out = String::from("prefix");
    write_user(&mut out, user);
    out
}

fn encoded_user(user: &UserInfo) -> String {
    let mut out = String::from("prefix");
    encode::write_user(&mut out, user);
    out
}

#[test]
fn a_user_is_the_same_json_whether_copied_or_written() {
    let alice = user("alice", &["dev", "system:authenticated"]);
    let bob = user("bob", &["dev", "system:authenticated"]);
    let mut alice_other_groups = alice.clone();
    alice_other_groups.groups.pop();
    let mut alice_other_extra = alice.clone();
    alice_other_extra
        .extra
        .insert("scopes".to_string(), vec!["a\"b".to_string()]);
    // Each user again and again, then each after another: copied or written, the same text.
    for sequence in [
        vec![&alice, &alice, &alice],
        vec![&alice, &bob, &alice, &bob],
        vec![&alice, &alice_other_groups, &alice_other_extra, &alice],
    ] {
        for user in sequence {
            assert_eq!(memo_user(user), encoded_user(user));
        }
    }
}

#[test]
fn a_client_is_kept_by_its_addresses_and_agent_as_received() {
    let write = |ips: &[&str], agent: &str, truncated: &str| {
        let ips: Vec<String> = ips.iter().map(|ip| ip.to_string()).collect();
        let mut memo = String::new();
        write_client(&mut memo, &ips, agent, truncated);
        let mut encoded = String::new();
        encode::write_client(&mut encoded, &ips, truncated);
        assert_eq!(memo, encoded);
        memo
    };
    let first = write(&["10.0.0.1"], "kubectl/v1.36.0", "kubectl/v1.36.0");
    assert_eq!(
        first,
        r#","sourceIPs":["10.0.0.1"],"userAgent":"kubectl/v1.36.0""#
    );
    write(&["10.0.0.1"], "kubectl/v1.36.0", "kubectl/v1.36.0");
    write(
        &["10.0.0.1", "10.0.0.2"],
        "kubectl/v1.36.0",
        "kubectl/v1.36.0",
    );
    write(&["10.0.0.2"], "kubectl/v1.36.0", "kubectl/v1.36.0");
    write(&["10.0.0.2"], "curl/8.0 <x>", "curl/8.0 <x>");
    write(&[], "", "");
    write(&["10.0.0.2"], "curl/8.0 <x>", "curl/8.0 <x>");
}

#[test]
fn an_object_reference_is_kept_by_all_its_fields() {
    let pods = ObjectReference {
        resource: "pods".to_string(),
        namespace: "dev".to_string(),
        api_version: "v1".to_string(),
        ..ObjectReference::default()
    };
    let named = ObjectReference {
        name: "web-0".to_string(),
        ..pods.clone()
    };
    let logs = ObjectReference {
        subresource: "log".to_string(),
        ..named.clone()
    };
    for reference in [&pods, &pods, &named, &logs, &pods, &logs, &logs] {
        let mut memo = String::new();
        write_object_ref(&mut memo, reference);
        let mut encoded = String::new();
        encode::write_object_ref(&mut encoded, reference);
        assert_eq!(memo, encoded);
    }
}

#[test]
fn a_value_too_long_to_keep_is_written_each_time() {
    let groups: Vec<String> = (0..400).map(|i| format!("group-{i}")).collect();
    let many = UserInfo::new("many", groups);
    let first = memo_user(&many);
    assert!(first.len() > MAX_KEPT);
    assert_eq!(memo_user(&many), first);
    assert!(USER.with(|kept| kept.borrow().json.is_empty()));
    let alice = user("alice", &["dev"]);
    assert_eq!(memo_user(&alice), encoded_user(&alice));
    assert!(USER.with(|kept| !kept.borrow().json.is_empty()));
}
