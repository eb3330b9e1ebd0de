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
        let ips = SourceIps::List(
            ips.iter()
                .map(|ip| ip.parse().expect("an address"))
                .collect(),
        );
        let mut memo = String::new();
        write_client(&mut memo, &ips, agent, truncated);
        // The addresses written as the strings a decoded event holds would be.
        let texts: Vec<String> = ips.as_slice().iter().map(|ip| ip.to_string()).collect();
        let mut encoded = String::new();
        encode::write_client(&mut encoded, &texts, truncated);
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
    write(&["::1", "10.0.0.2"], "curl/8.0 <x>", "curl/8.0 <x>");
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

#[test]
fn values_are_the_same_only_when_every_text_is() {
    let long = "x".repeat(SHORT + 8);
    let reference = ObjectReference {
        resource: "pods".to_string(),
        namespace: "dev".to_string(),
        name: long.clone(),
        uid: "6b5d6f2a".to_string(),
        api_group: "apps".to_string(),
        api_version: "v1".to_string(),
        resource_version: "42".to_string(),
        subresource: "log".to_string(),
    };
    assert!(same_reference(&reference, &reference.clone()));
    let changes: [fn(&mut ObjectReference); 9] = [
        |r| r.resource.push('s'),
        |r| r.namespace.clear(),
        |r| r.name.replace_range(SHORT + 7.., "y"),
        |r| r.uid = "6b5d6f2b".to_string(),
        |r| r.api_group.clear(),
        |r| r.api_version = "v2".to_string(),
        |r| r.resource_version = "43".to_string(),
        |r| r.subresource = "exec".to_string(),
        |r| {
            r.name.pop();
        },
    ];
    for change in changes {
        let mut other = reference.clone();
        change(&mut other);
        assert!(!same_reference(&reference, &other), "{other:?}");
    }

    let alice = user("alice", &["dev", "system:authenticated"]);
    assert!(same_user(&alice, &alice.clone()));
    let changes: [fn(&mut UserInfo); 6] = [
        |u| u.name = "alicf".to_string(),
        |u| u.uid.clear(),
        |u| u.groups.reverse(),
        |u| u.groups.push(String::new()),
        |u| u.extra.clear(),
        |u| u.extra.values_mut().for_each(|v| v[0].push('!')),
    ];
    for change in changes {
        let mut other = alice.clone();
        change(&mut other);
        assert!(!same_user(&alice, &other), "{other:?}");
    }

    let ips = vec!["10.0.0.1".to_string()];
    assert!(same_texts(&ips, &["10.0.0.1".to_string()]));
    assert!(!same_texts(&ips, &["10.0.0.2".to_string()]));
    assert!(!same_texts(&ips, &[]));
    assert!(same(&long, &long.clone()));
    assert!(!same(&long, &format!("{}y", &long[1..])));
}
