use super::*;

const GOOD: &str = r#"
apiVersion: apiserver.config.k8s.io/v1
kind: AuthorizationConfiguration
authorizers:
  - type: Node
    name: node
  - type: Webhook
    name: kubeward
    webhook:
      timeout: 3s
      subjectAccessReviewVersion: v1
      matchConditionSubjectAccessReviewVersion: v1
      failurePolicy: Deny
      connectionInfo:
        type: KubeConfigFile
        kubeConfigFile: /etc/kubernetes/authz-webhook.kubeconfig
      matchConditions:
        - expression: has(request.resourceAttributes)
  - type: RBAC
    name: rbac
"#;

#[test]
fn a_configuration_gives_the_chain_in_order_with_defaults() {
    let chain = parse(GOOD).unwrap();
    assert_eq!(chain.len(), 3);
    assert_eq!(chain[0], AuthorizerSpec::Node);
    assert_eq!(chain[2], AuthorizerSpec::Rbac);
    let AuthorizerSpec::Webhook(webhook) = &chain[1] else {
        panic!("a webhook");
    };
    assert_eq!(webhook.name, "kubeward");
    assert_eq!(webhook.timeout, Duration::from_secs(3));
    assert_eq!(webhook.authorized_ttl, Duration::from_secs(300));
    assert_eq!(webhook.unauthorized_ttl, Duration::from_secs(30));
    assert_eq!(webhook.version, Version::V1);
    assert_eq!(webhook.failure_policy, FailurePolicy::Deny);
    assert_eq!(
        webhook.kubeconfig_file,
        "/etc/kubernetes/authz-webhook.kubeconfig"
    );
    assert_eq!(
        webhook.match_conditions,
        ["has(request.resourceAttributes)"]
    );
}

#[test]
fn caching_can_be_switched_off_per_answer() {
    let text = GOOD.replace(
        "      timeout: 3s\n",
        "      timeout: 3s\n      cacheAuthorizedRequests: false\n      unauthorizedTTL: 1m\n",
    );
    let chain = parse(&text).unwrap();
    let AuthorizerSpec::Webhook(webhook) = &chain[1] else {
        panic!("a webhook");
    };
    assert_eq!(webhook.authorized_ttl, Duration::ZERO);
    assert_eq!(webhook.unauthorized_ttl, Duration::from_secs(60));
}

#[test]
fn invalid_configurations_are_refused_in_kube_apiservers_words() {
    let err = |text: &str| parse(text).unwrap_err().to_string();
    assert_eq!(
        err("apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\n"),
        "authorizers: Required value: at least one authorization mode must be defined"
    );
    assert_eq!(
        err(&GOOD.replace("timeout: 3s", "timeout: 45s")),
        "authorizers[1].webhook.timeout: Invalid value: \"45s\": must be > 0s and <= 30s"
    );
    assert_eq!(
        err(&GOOD.replace("      timeout: 3s\n", "")),
        "authorizers[1].webhook.timeout: Required value"
    );
    assert_eq!(
        err(&GOOD.replace("failurePolicy: Deny", "failurePolicy: Ignore")),
        "authorizers[1].webhook.failurePolicy: Unsupported value: \"Ignore\": supported values: \"NoOpinion\", \"Deny\""
    );
    assert_eq!(
        err(&GOOD.replace("kubeConfigFile: /etc", "kubeConfigFile: etc")),
        "authorizers[1].webhook.connectionInfo.kubeConfigFile: Invalid value: \"etc/kubernetes/authz-webhook.kubeconfig\": must be an absolute path"
    );
    assert_eq!(
        err(&GOOD.replace("type: RBAC", "type: Foo")),
        "authorizers[2].type: Unsupported value: \"Foo\": supported values: \"ABAC\", \"AlwaysAllow\", \"AlwaysDeny\", \"Node\", \"RBAC\", \"Webhook\""
    );
    assert_eq!(
        err(&GOOD.replace("name: rbac", "name: node")),
        "authorizers[2].name: Duplicate value: \"node\""
    );
    assert_eq!(
        err(&GOOD.replace("name: rbac", "name: my-rbac")),
        "expected name rbac for authorizer RBAC instead of my-rbac"
    );
    assert_eq!(
        err(&GOOD.replace(
            "subjectAccessReviewVersion: v1\n",
            "subjectAccessReviewVersion: v2\n"
        )),
        "authorizers[1].webhook.subjectAccessReviewVersion: Unsupported value: \"v2\": supported values: \"v1\", \"v1beta1\""
    );
    assert_eq!(
        err(&GOOD.replace("has(request.resourceAttributes)", "request.user ==")),
        err(&GOOD.replace("has(request.resourceAttributes)", "request.user =="))
    );
    assert!(
        err(&GOOD.replace("has(request.resourceAttributes)", "request.user =="))
            .starts_with("authorizers[1].webhook.matchConditions[0].expression: Invalid value: \"request.user ==\": compilation failed")
    );
    assert!(
        err(&GOOD.replace("failurePolicy:", "failurPolicy:"))
            .starts_with("failed to load AuthorizationConfiguration from file:")
    );
    assert_eq!(
        err(&GOOD.replace(
            "kind: AuthorizationConfiguration",
            "kind: AuthenticationConfiguration"
        )),
        "failed to load AuthorizationConfiguration from file: no kind \"AuthenticationConfiguration\" is registered for version \"apiserver.config.k8s.io/v1\""
    );
    // Several errors are listed together.
    assert_eq!(
        err(
            "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\nauthorizers:\n- type: Webhook\n- name: x\n"
        ),
        "[authorizers[0].name: Required value, authorizers[0].webhook: Required value: required when type=Webhook, authorizers[1].type: Required value]"
    );
}

#[test]
fn the_legacy_flags_give_the_same_chain() {
    let flags = LegacyFlags {
        modes: vec!["Node".into(), "Webhook".into(), "RBAC".into()],
        webhook_config_file: Some("/w.kubeconfig".into()),
        ..LegacyFlags::default()
    };
    let chain = from_flags(&flags).unwrap();
    assert_eq!(chain[0], AuthorizerSpec::Node);
    assert_eq!(chain[2], AuthorizerSpec::Rbac);
    assert_eq!(
        chain[1],
        AuthorizerSpec::Webhook(WebhookSpec {
            name: "default".into(),
            authorized_ttl: Duration::from_secs(300),
            unauthorized_ttl: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
            version: Version::V1beta1,
            failure_policy: FailurePolicy::NoOpinion,
            kubeconfig_file: "/w.kubeconfig".into(),
            match_conditions: Vec::new(),
        })
    );
    assert_eq!(
        from_flags(&LegacyFlags::default()).unwrap(),
        [AuthorizerSpec::AlwaysAllow]
    );
}

#[test]
fn invalid_flags_are_refused_in_kube_apiservers_words() {
    let err = |modes: &[&str], file: Option<&str>| {
        from_flags(&LegacyFlags {
            modes: modes.iter().map(|m| m.to_string()).collect(),
            webhook_config_file: file.map(String::from),
            ..LegacyFlags::default()
        })
        .unwrap_err()
        .to_string()
    };
    assert_eq!(
        err(&["Webhook"], None),
        "authorization-mode Webhook's authorization config file not passed"
    );
    assert_eq!(
        err(&["RBAC"], Some("/w")),
        "cannot specify --authorization-webhook-config-file without mode Webhook"
    );
    assert_eq!(
        err(&["RBAC", "RBAC"], None),
        "authorization-mode [\"RBAC\" \"RBAC\"] has mode specified more than once"
    );
    assert_eq!(
        err(&["Magic"], None),
        "authorization-mode \"Magic\" is not a valid mode"
    );
}
