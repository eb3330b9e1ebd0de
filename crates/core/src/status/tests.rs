use super::*;
use crate::user::UserInfo;

/// The HTTP body of a raw `curl -i` capture in `shared/golden` (everything after the headers),
/// checked against its `content-length` header.
fn golden_body(rel: &str) -> String {
    let path = format!(
        "{}/../../../shared/golden/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .or_else(|| raw.split_once("\n\n"))
        .unwrap_or_else(|| panic!("{path}: no header/body separator"));
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().expect("numeric content-length"))
        })
        .unwrap_or_else(|| panic!("{path}: no content-length"));
    assert_eq!(body.len(), length, "{path}: body length");
    body.to_string()
}

/// Compares the pretty form with the golden body (curl gets the indented form), and the compact
/// form with the same document re-serialized compactly.
fn assert_golden(status: &Status, rel: &str) {
    let golden = golden_body(rel);
    assert_eq!(status.to_json_pretty(), golden, "{rel}: pretty body");
    assert_eq!(status.body(true), golden, "{rel}: wire body");
    // serde_json keeps key order only with `preserve_order`; compare parsed documents, then check
    // the compact text is the golden text with the indentation removed.
    let parsed: serde_json::Value = serde_json::from_str(&status.to_json()).expect("valid json");
    let expected: serde_json::Value = serde_json::from_str(&golden).expect("golden json");
    assert_eq!(parsed, expected, "{rel}: compact document");
    let squeezed: String = golden
        .lines()
        .map(|l| l.trim_start().replacen("\": ", "\":", 1))
        .collect();
    assert_eq!(status.to_json(), squeezed, "{rel}: compact text");
    let code: u16 = golden_status_line(rel);
    assert_eq!(status.http_code(), code, "{rel}: code");
}

fn golden_status_line(rel: &str) -> u16 {
    let path = format!(
        "{}/../../../shared/golden/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    raw.lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("{path}: no status line"))
}

fn user(name: &str) -> UserInfo {
    UserInfo::new(name, ["system:authenticated"])
}

#[test]
fn unauthorized_matches_golden() {
    let status = unauthorized();
    assert_eq!(
        status.to_json(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#
    );
    assert_eq!(status.body(false), format!("{}\n", status.to_json()));
    for rel in [
        "c-default-rbac/27-bad-token-401.out",
        "c-default-rbac/28-bad-token-version-401.out",
        "c-default-rbac/31-malformed-jwt-401.out",
    ] {
        assert_golden(&status, rel);
    }
}

#[test]
fn forbidden_namespaced_core_resource() {
    let attrs = Attributes::resource(
        user("system:serviceaccount:dev-team:dev-k8s"),
        "list",
        "",
        "pods",
        "dev-team",
    );
    assert_golden(
        &forbidden(&attrs, ""),
        "b-serviceaccount/09-sa-get-pods-forbidden-raw.out",
    );
}

#[test]
fn forbidden_group_resource() {
    let attrs = Attributes::resource(user("minjun"), "list", "apps", "deployments", "default");
    assert_golden(
        &forbidden(&attrs, ""),
        "a-x509-csr/19-minjun-curl-deployments-403.out",
    );
}

#[test]
fn forbidden_cluster_scope() {
    let attrs = Attributes::resource(user("system:anonymous"), "list", "", "namespaces", "");
    assert_golden(
        &forbidden(&attrs, ""),
        "c-default-rbac/15-anon-namespaces-403.out",
    );
    let attrs = Attributes::resource(user("testuser"), "list", "", "nodes", "");
    assert_eq!(
        forbidden(&attrs, "").message,
        r#"nodes is forbidden: User "testuser" cannot list resource "nodes" in API group "" at the cluster scope"#
    );
}

#[test]
fn forbidden_non_resource() {
    let anonymous = user("system:anonymous");
    let attrs = Attributes::non_resource(anonymous.clone(), "get", "/metrics");
    assert_golden(
        &forbidden(&attrs, ""),
        "c-default-rbac/19-anon-metrics-403.out",
    );
    let attrs = Attributes::non_resource(anonymous, "get", "/");
    assert_golden(
        &forbidden(&attrs, ""),
        "c-default-rbac/20-anon-root-403.out",
    );
    let attrs = Attributes::non_resource(user("x"), "get", "/healthz");
    assert_eq!(
        forbidden(&attrs, "").message,
        r#"forbidden: User "x" cannot get path "/healthz""#
    );
}

#[test]
fn forbidden_named_object_and_subresource() {
    let attrs =
        Attributes::resource(user("test"), "get", "", "namespaces", "default").with_name("default");
    let status = forbidden(&attrs, "");
    assert_eq!(
        status.message,
        r#"namespaces "default" is forbidden: User "test" cannot get resource "namespaces" in API group "" in the namespace "default""#
    );
    assert_eq!(
        status.details,
        Some(StatusDetails {
            name: "default".to_string(),
            kind: "namespaces".to_string(),
            ..StatusDetails::default()
        })
    );

    let attrs = Attributes::resource(user("minjun"), "get", "", "pods", "default")
        .with_name("web")
        .with_subresource("log");
    assert_eq!(
        forbidden(&attrs, "").message,
        r#"pods "web" is forbidden: User "minjun" cannot get resource "pods/log" in API group "" in the namespace "default""#
    );

    let attrs = Attributes::resource(
        user("minjun"),
        "get",
        "certificates.k8s.io",
        "certificatesigningrequests",
        "",
    )
    .with_name("minjun");
    assert_eq!(
        forbidden(&attrs, "").message,
        r#"certificatesigningrequests.certificates.k8s.io "minjun" is forbidden: User "minjun" cannot get resource "certificatesigningrequests" in API group "certificates.k8s.io" at the cluster scope"#
    );
}

#[test]
fn forbidden_with_reason_and_escaping() {
    let attrs = Attributes::resource(user("a<b>&c"), "list", "", "pods", "default");
    let status = forbidden(&attrs, "no RBAC policy matched");
    assert_eq!(
        status.message,
        r#"pods is forbidden: User "a&lt;b&gt;&amp;c" cannot list resource "pods" in API group "" in the namespace "default": no RBAC policy matched"#
    );
    assert!(
        status
            .to_json()
            .contains(r#"User \"a\u0026lt;b\u0026gt;\u0026amp;c\""#)
    );
    let attrs = Attributes::resource(user("tab\there\u{1}"), "list", "", "pods", "");
    assert!(
        forbidden(&attrs, "")
            .message
            .contains(r#"User "tab\there\x01""#)
    );
}

#[test]
fn impersonation_denial() {
    let attrs =
        Attributes::resource(user("minjun"), "impersonate", "", "users", "").with_name("someone");
    let expected = r#"users "someone" is forbidden: User "minjun" cannot impersonate resource "users" in API group "" at the cluster scope"#;
    assert_eq!(forbidden(&attrs, "").message, expected);
    let generic = forbidden_with_message(
        "",
        "users",
        "someone",
        r#"User "minjun" cannot impersonate resource "users" in API group "" at the cluster scope"#,
    );
    assert_eq!(generic.message, expected);
    assert_eq!(generic, forbidden(&attrs, ""));
}

#[test]
fn forbidden_with_message_csr() {
    let status = forbidden_with_message(
        "certificates.k8s.io",
        "certificatesigningrequests",
        "masters",
        "use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed",
    );
    assert_eq!(
        status.message,
        r#"certificatesigningrequests.certificates.k8s.io "masters" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed"#
    );
    assert_eq!(status.http_code(), 403);
    assert_eq!(
        status.to_json(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"certificatesigningrequests.certificates.k8s.io \"masters\" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed","reason":"Forbidden","details":{"name":"masters","group":"certificates.k8s.io","kind":"certificatesigningrequests"},"code":403}"#
    );
    assert_eq!(
        forbidden_with_message("", "", "", "nope").to_json(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: nope","reason":"Forbidden","details":{},"code":403}"#
    );
}

#[test]
fn not_found_matches_golden() {
    assert_golden(
        &not_found("", "pods", "does-not-exist"),
        "c-default-rbac/38-get-pod-404-raw.out",
    );
    assert_golden(
        &not_found("rbac.authorization.k8s.io", "roles", "nope"),
        "c-default-rbac/39-get-role-404-raw.out",
    );
    assert_eq!(
        not_found("", "namespaces", "no-such-ns").message,
        r#"namespaces "no-such-ns" not found"#
    );
}

#[test]
fn page_not_found_matches_golden() {
    let (code, body) = page_not_found();
    assert_eq!(code, 404);
    assert_eq!(body, golden_body("c-default-rbac/40-unknown-path-404.out"));
    assert_eq!(
        golden_status_line("c-default-rbac/40-unknown-path-404.out"),
        404
    );
}

#[test]
fn already_exists_matches_golden() {
    assert_golden(
        &already_exists("", "namespaces", "dev-team"),
        "c-default-rbac/42-ns-409-raw.out",
    );
    assert_golden(
        &already_exists("rbac.authorization.k8s.io", "roles", "pod-reader"),
        "c-default-rbac/43-role-409-raw.out",
    );
    assert_golden(
        &already_exists(
            "certificates.k8s.io",
            "certificatesigningrequests",
            "seoyeon",
        ),
        "a-x509-csr/39-create-dup-409-raw.out",
    );
}

#[test]
fn conflict_wording() {
    let status = conflict(
        "certificates.k8s.io",
        "certificatesigningrequests",
        "minjun",
        "the object has been modified; please apply your changes to the latest version and try again",
    );
    assert_eq!(status.http_code(), 409);
    assert_eq!(
        status.to_json(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on certificatesigningrequests.certificates.k8s.io \"minjun\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"minjun","group":"certificates.k8s.io","kind":"certificatesigningrequests"},"code":409}"#
    );
}

const RBAC: &str = "rbac.authorization.k8s.io";

#[test]
fn invalid_role_matches_golden() {
    let status = invalid(
        RBAC,
        "Role",
        "bad-role",
        vec![
            FieldError::required("rules[0].verbs", "verbs must contain at least one value"),
            FieldError::required(
                "rules[0].apiGroups",
                "resource rules must supply at least one api group",
            ),
        ],
    );
    assert_golden(&status, "c-default-rbac/45-role-422-raw.out");

    let single = invalid(
        RBAC,
        "Role",
        "x",
        vec![FieldError::required(
            "rules[0].verbs",
            "verbs must contain at least one value",
        )],
    );
    assert_eq!(
        single.message,
        r#"Role.rbac.authorization.k8s.io "x" is invalid: rules[0].verbs: Required value: verbs must contain at least one value"#
    );
}

#[test]
fn invalid_json_values_match_golden() {
    let urls: &[&str] = &["/healthz"];
    let status = invalid(
        RBAC,
        "Role",
        "bad-role2",
        vec![FieldError::invalid(
            "rules[0].nonResourceURLs",
            urls,
            "namespaced rules cannot apply to non-resource URLs",
        )],
    );
    assert_golden(&status, "c-default-rbac/46-role-422-nonresource.out");

    let status = invalid(
        RBAC,
        "ClusterRole",
        "bad-cr",
        vec![FieldError::invalid(
            "rules[0].nonResourceURLs",
            urls,
            "rules cannot apply to both regular resources and non-resource URLs",
        )],
    );
    assert_golden(&status, "c-default-rbac/47-clusterrole-422-mixed.out");

    // Go marshals the internal type with its Go field names (c-default-rbac/50 shows
    // `{"APIGroup":…}`); serde renames reproduce them.
    #[derive(serde::Serialize)]
    struct GoRoleRef<'a> {
        #[serde(rename = "APIGroup")]
        api_group: &'a str,
        #[serde(rename = "Kind")]
        kind: &'a str,
        #[serde(rename = "Name")]
        name: &'a str,
    }
    let error = FieldError::invalid(
        "roleRef",
        BadValue::json(&GoRoleRef {
            api_group: RBAC,
            kind: "Role",
            name: "other",
        }),
        "cannot change roleRef",
    );
    assert_eq!(
        invalid(RBAC, "RoleBinding", "pod-reader-binding", vec![error]).message,
        r#"RoleBinding.rbac.authorization.k8s.io "pod-reader-binding" is invalid: roleRef: Invalid value: {"APIGroup":"rbac.authorization.k8s.io","Kind":"Role","Name":"other"}: cannot change roleRef"#
    );
}

#[test]
fn invalid_not_supported_matches_golden() {
    let status = invalid(
        RBAC,
        "RoleBinding",
        "bad-rb",
        vec![
            FieldError::not_supported("roleRef.kind", "Foo", &["Role", "ClusterRole"]),
            FieldError::required("roleRef.name", ""),
            FieldError::not_supported("subjects[0].kind", "", &["ServiceAccount", "User", "Group"]),
        ],
    );
    assert_golden(&status, "c-default-rbac/48-rolebinding-422-bad-roleref.out");

    let status = invalid(
        RBAC,
        "ClusterRoleBinding",
        "bad-crb",
        vec![FieldError::required("subjects[0].namespace", "")],
    );
    assert_golden(&status, "c-default-rbac/49-rolebinding-422-sa-no-ns.out");
}

#[test]
fn invalid_namespace_name_matches_golden() {
    let detail = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    let status = invalid(
        "",
        "Namespace",
        "Bad_Name",
        vec![FieldError::invalid("metadata.name", "Bad_Name", detail)],
    );
    assert_golden(&status, "c-default-rbac/52-ns-422-bad-name-raw.out");
}

#[test]
fn invalid_csr_matches_golden() {
    let status = invalid(
        "certificates.k8s.io",
        "CertificateSigningRequest",
        "seoyeon",
        vec![FieldError::invalid(
            "status.conditions",
            "Approved",
            "Approved and Denied conditions are mutually exclusive",
        )],
    );
    assert_golden(&status, "a-x509-csr/37-approval-conflict-raw.out");

    let status = invalid(
        "certificates.k8s.io",
        "CertificateSigningRequest",
        "nosigner",
        vec![FieldError::required("spec.signerName", "")],
    );
    assert_golden(&status, "a-x509-csr/44-missing-signer-raw.out");

    // Wording of the kubectl-only captures (a-x509-csr/42, 46, 49).
    let e = FieldError::invalid(
        "spec.signerName",
        "not_a_valid_signer_name",
        "must be a fully qualified domain and path of the form 'example.com/signer-name'",
    );
    assert_eq!(
        e.to_string(),
        r#"spec.signerName: Invalid value: "not_a_valid_signer_name": must be a fully qualified domain and path of the form 'example.com/signer-name'"#
    );
    let e = FieldError::not_supported("spec.usages[0]", "not-a-usage", &["any", "cert sign"]);
    assert_eq!(
        e.to_string(),
        r#"spec.usages[0]: Unsupported value: "not-a-usage": supported values: "any", "cert sign""#
    );
    let e = FieldError::invalid(
        "spec.expirationSeconds",
        100i64,
        "may not specify a duration less than 600 seconds (10 minutes)",
    );
    assert_eq!(
        e.to_string(),
        "spec.expirationSeconds: Invalid value: 100: may not specify a duration less than 600 seconds (10 minutes)"
    );
}

#[test]
fn field_error_bodies() {
    assert_eq!(FieldError::required("a", "").error_body(), "Required value");
    assert_eq!(
        FieldError::forbidden("a", "no").error_body(),
        "Forbidden: no"
    );
    assert_eq!(FieldError::forbidden("a", "").error_body(), "Forbidden");
    assert_eq!(
        FieldError::duplicate("subjects[1]", "x").error_body(),
        r#"Duplicate value: "x""#
    );
    assert_eq!(
        FieldError::not_found("a", "x").error_body(),
        r#"Not found: "x""#
    );
    assert_eq!(
        FieldError::invalid("a", true, "").error_body(),
        "Invalid value: true"
    );
    assert_eq!(
        FieldError::invalid("a", BadValue::Null, "x").error_body(),
        "Invalid value: null: x"
    );
    assert_eq!(
        FieldError::invalid("a", BadValue::Omit, "x").error_body(),
        "Invalid value: x"
    );
    assert_eq!(
        FieldError::too_long("a", "must have at most 10 bytes").error_body(),
        "Too long: must have at most 10 bytes"
    );
    assert_eq!(
        FieldError::too_many("a", 5, 3).error_body(),
        "Too many: 5: must have at most 3 items"
    );
    assert_eq!(
        FieldError::internal("a", "boom").error_body(),
        "Internal error: boom"
    );
    assert_eq!(
        FieldError::not_supported("a", "x", &[]).error_body(),
        r#"Unsupported value: "x""#
    );
    let list: &[String] = &["<a>".to_string()];
    assert_eq!(
        FieldError::invalid("a", list, "").error_body(),
        r#"Invalid value: ["\u003ca\u003e"]"#
    );
    assert_eq!(FieldErrorType::TypeInvalid.label(), "Invalid value");
    assert_eq!(FieldErrorType::TooMany.reason(), "FieldValueTooMany");
}

#[test]
fn invalid_aggregation() {
    let dup = FieldError::required("a", "");
    let status = invalid("", "Pod", "p", vec![dup.clone(), dup]);
    assert_eq!(status.message, r#"Pod "p" is invalid: a: Required value"#);
    assert_eq!(status.details.as_ref().map(|d| d.causes.len()), Some(2));
    let status = invalid("", "Pod", "p", Vec::new());
    assert_eq!(status.message, r#"Pod "p" is invalid"#);
    assert_eq!(aggregate(Vec::<String>::new()), "");
    assert_eq!(
        aggregate(["a".to_string(), "b".to_string(), "a".to_string()]),
        "[a, b]"
    );
    assert_eq!(
        invalid(
            "authentication.k8s.io",
            "TokenRequest",
            "",
            vec![FieldError::invalid(
                "spec.expirationSeconds",
                60i64,
                "may not specify a duration less than 10 minutes"
            )]
        )
        .message,
        r#"TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes"#
    );
}

#[test]
fn bad_request_method_not_allowed_internal_error() {
    assert_eq!(
        bad_request("the server rejected our request for an unknown reason").to_json(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server rejected our request for an unknown reason","reason":"BadRequest","code":400}"#
    );
    let status = method_not_allowed(RBAC, "roles", "watch");
    assert_eq!(status.http_code(), 405);
    assert_eq!(
        status.to_json(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"watch is not supported on resources of kind \"roles.rbac.authorization.k8s.io\"","reason":"MethodNotAllowed","details":{"group":"rbac.authorization.k8s.io","kind":"roles"},"code":405}"#
    );
    let status = internal_error("etcd is down");
    assert_eq!(status.http_code(), 500);
    assert_eq!(
        status.to_json(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Internal error occurred: etcd is down","reason":"InternalError","details":{"causes":[{"message":"etcd is down"}]},"code":500}"#
    );
    assert_eq!(
        status.to_json_pretty(),
        "{\n  \"kind\": \"Status\",\n  \"apiVersion\": \"v1\",\n  \"metadata\": {},\n  \"status\": \"Failure\",\n  \"message\": \"Internal error occurred: etcd is down\",\n  \"reason\": \"InternalError\",\n  \"details\": {\n    \"causes\": [\n      {\n        \"message\": \"etcd is down\"\n      }\n    ]\n  },\n  \"code\": 500\n}"
    );
    assert_eq!(status.to_string(), "Internal error occurred: etcd is down");
}

#[test]
fn go_string_encoding() {
    let status = bad_request("x\u{1}\u{8}\u{c}\n\t<&>\u{2028}é");
    assert_eq!(
        status.to_json(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"x\u0001\b\f\n\t\u003c\u0026\u003e\u2028é","reason":"BadRequest","code":400}"#
    );
    let details = Status {
        details: Some(StatusDetails {
            uid: "u".to_string(),
            retry_after_seconds: 3,
            ..StatusDetails::default()
        }),
        ..bad_request("m")
    };
    assert!(
        details
            .to_json()
            .contains(r#""details":{"uid":"u","retryAfterSeconds":3}"#)
    );
}
