//! The seed's kubeconfig user, and how entries are added and replaced.

use super::*;

fn entries(user: &str) -> Entries {
    Entries {
        cluster_name: "myeks".into(),
        server: "https://127.0.0.1:6443".into(),
        ca_data: "Q0E=".into(),
        user_name: user.into(),
        context_name: user.into(),
        exec: exec_block("ap-northeast-2", "myeks", None, None),
    }
}

#[test]
fn the_seed_exec_block() {
    let mut config = Value::Null;
    assert!(!insert(&mut config, &entries("testuser")));
    let text = serde_saphyr::to_string(&config).unwrap();
    let back: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(
        back["users"][0],
        json!({"name": "testuser", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "args": ["--region", "ap-northeast-2", "eks", "get-token", "--cluster-name", "myeks", "--output", "json"],
            "command": "aws"}}})
    );
    assert_eq!(back["current-context"], "testuser");
    assert_eq!(
        back["contexts"][0]["context"],
        json!({"cluster": "myeks", "user": "testuser"})
    );
    assert_eq!(
        back["clusters"][0]["cluster"]["server"],
        "https://127.0.0.1:6443"
    );
}

#[test]
fn entries_are_replaced_by_name_and_others_kept() {
    let mut config = json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "admin",
        "clusters": [{"name": "kubernetes", "cluster": {"server": "https://x"}}],
        "users": [{"name": "admin", "user": {"token": "t"}}],
        "contexts": [{"name": "admin", "context": {"cluster": "kubernetes", "user": "admin"}}],
    });
    assert!(!insert(&mut config, &entries("testuser")));
    assert!(insert(&mut config, &entries("testuser")));
    assert_eq!(config["users"].as_array().unwrap().len(), 2);
    assert_eq!(config["clusters"].as_array().unwrap().len(), 2);
    assert_eq!(config["users"][0]["name"], "admin");
}

#[test]
fn role_and_profile() {
    let exec = exec_block("us-east-1", "c", Some("arn:aws:iam::1:role/r"), Some("dev"));
    assert_eq!(exec["args"][8], "--role");
    assert_eq!(exec["args"][9], "arn:aws:iam::1:role/r");
    assert_eq!(
        exec["env"],
        json!([{"name": "AWS_PROFILE", "value": "dev"}])
    );
}
