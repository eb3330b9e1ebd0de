use super::*;

fn load(text: &str) -> Result<Loaded, LoadError> {
    parse(text.as_bytes())
}

fn error(text: &str) -> String {
    load(text).expect_err("the policy is refused").to_string()
}

#[test]
fn reads_the_kubernetes_documentation_example() {
    let loaded = load(include_str!("audit-policy.yaml")).expect("the example loads");
    assert!(loaded.warnings.is_empty());
    let policy = loaded.policy;
    assert_eq!(
        policy.omit_stages,
        Stages::NONE.with(Stage::RequestReceived)
    );
    assert_eq!(policy.rules.len(), 9);
    assert_eq!(policy.rules[0].level, Level::RequestResponse);
    assert_eq!(
        policy.rules[0].resources,
        vec![GroupResources {
            group: String::new(),
            resources: vec!["pods".into()],
            resource_names: vec![],
        }]
    );
    assert_eq!(
        policy.rules[1].resources[0].resources,
        vec!["pods/log", "pods/status"]
    );
    assert_eq!(
        policy.rules[2].resources[0].resource_names,
        vec!["controller-leader"]
    );
    assert_eq!(policy.rules[3].users, vec!["system:kube-proxy"]);
    assert_eq!(policy.rules[4].user_groups, vec!["system:authenticated"]);
    assert_eq!(policy.rules[4].non_resource_urls, vec!["/api*", "/version"]);
    assert_eq!(policy.rules[5].namespaces, vec!["kube-system"]);
    assert_eq!(
        policy.rules[7].omit_stages,
        Stages::NONE.with(Stage::RequestReceived)
    );
    assert_eq!(policy.rules[8].level, Level::Metadata);
}

#[test]
fn reads_json_and_omit_managed_fields() {
    let loaded = load(
        r#"{"apiVersion":"audit.k8s.io/v1","kind":"Policy","omitManagedFields":true,
            "rules":[{"level":"Request","omitManagedFields":false},{"level":"None"}]}"#,
    )
    .expect("JSON is YAML");
    assert!(loaded.policy.omit_managed_fields);
    assert_eq!(loaded.policy.rules[0].omit_managed_fields, Some(false));
    assert_eq!(loaded.policy.rules[1].omit_managed_fields, None);
}

#[test]
fn unknown_fields_warn_as_the_strict_decoder_and_are_ignored() {
    let loaded = load(
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  levle: None\n  resources:\n  - group: ''\n    resource: [pods]\n",
    )
    .expect("lenient decoding");
    assert_eq!(
        loaded.warnings,
        vec![
            "Audit policy contains errors, falling back to lenient decoding: strict decoding error: unknown field \"rules[0].levle\", unknown field \"rules[0].resources[0].resource\""
        ]
    );
    assert_eq!(loaded.policy.rules[0].level, Level::Metadata);
}

#[test]
fn type_errors_name_the_field_as_go() {
    let head = "apiVersion: audit.k8s.io/v1\nkind: Policy\n";
    assert_eq!(
        error(&format!(
            "{head}rules:\n- level: Metadata\n  users: alice\n"
        )),
        "failed decoding: json: cannot unmarshal string into Go struct field PolicyRule.rules.users of type []string"
    );
    assert_eq!(
        error(&format!(
            "{head}rules:\n- level: Metadata\n  verbs: [get, 3]\n"
        )),
        "failed decoding: json: cannot unmarshal number into Go struct field PolicyRule.rules.verbs of type string"
    );
    assert_eq!(
        error(&format!("{head}rules: everything\n")),
        "failed decoding: json: cannot unmarshal string into Go struct field Policy.rules of type []v1.PolicyRule"
    );
    assert_eq!(
        error(&format!("{head}rules:\n- level: [Metadata]\n")),
        "failed decoding: json: cannot unmarshal array into Go struct field PolicyRule.rules.level of type v1.Level"
    );
    assert_eq!(
        error(&format!(
            "{head}rules:\n- level: Metadata\n  resources:\n  - group: 1\n"
        )),
        "failed decoding: json: cannot unmarshal number into Go struct field GroupResources.rules.resources.group of type string"
    );
    assert_eq!(
        error(&format!(
            "{head}omitManagedFields: yes please\nrules:\n- level: None\n"
        )),
        "failed decoding: json: cannot unmarshal string into Go struct field Policy.omitManagedFields of type bool"
    );
}

#[test]
fn kind_and_version_are_required() {
    assert_eq!(
        error("rules:\n- level: None\n"),
        "failed decoding: Object 'Kind' is missing in 'rules:\n- level: None'"
    );
    assert_eq!(
        error("kind: Policy\nrules:\n- level: None\n"),
        "failed decoding: Object 'apiVersion' is missing in 'kind: Policy\nrules:\n- level: None'"
    );
    assert_eq!(
        error("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: None\n"),
        "failed decoding: no kind \"Policy\" is registered for version \"audit.k8s.io/v1beta1\" in scheme \"k8s.io/apiserver/pkg/audit/scheme.go:30\""
    );
    assert_eq!(error(""), "failed decoding: Object 'Kind' is missing in ''");
}

#[test]
fn yaml_syntax_errors_are_decoding_errors() {
    let message = error("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [\n");
    assert!(
        message.starts_with("failed decoding: error converting YAML to JSON: "),
        "{message}"
    );
}

#[test]
fn validation_errors_are_kubernetes_field_errors_in_its_order() {
    let head = "apiVersion: audit.k8s.io/v1\nkind: Policy\n";
    assert_eq!(
        error(&format!("{head}rules:\n- verbs: [get]\n")),
        "rules[0].level: Required value"
    );
    assert_eq!(
        error(&format!("{head}rules:\n- level: Everything\n")),
        "rules[0].level: Unsupported value: \"Everything\": supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\""
    );
    assert_eq!(
        error(&format!(
            "{head}omitStages: [Received]\nrules:\n- level: Metadata\n  nonResourceURLs: [healthz, /a*b]\n  namespaces: [default]\n  resources:\n  - group: apps/v1\n    resourceNames: [x]\n  omitStages: [Done]\n"
        )),
        "[omitStages[0]: Invalid value: \"Received\": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic, \
rules[0].nonResourceURLs[0]: Invalid value: \"healthz\": non-resource URL rules must begin with a '/' character, \
rules[0].nonResourceURLs[1]: Invalid value: \"/a*b\": non-resource URL wildcards '*' must be the final character of the rule, \
rules[0].resources.group: Invalid value: \"apps/v1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), \
rules[0].resources.resourceNames: Invalid value: [\"x\"]: using resourceNames requires at least one resource, \
rules[0].omitStages[0]: Invalid value: \"Done\": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic, \
rules[0].nonResourceURLs: Invalid value: [\"healthz\",\"/a*b\"]: rules cannot apply to both regular resources and non-resource URLs]"
    );
}

#[test]
fn a_policy_needs_a_rule() {
    assert_eq!(
        error("apiVersion: audit.k8s.io/v1\nkind: Policy\n"),
        "loaded illegal policy with 0 rules"
    );
    assert_eq!(
        error("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n"),
        "loaded illegal policy with 0 rules"
    );
}
