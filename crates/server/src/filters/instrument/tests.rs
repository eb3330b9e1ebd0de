use super::*;

fn labels_of(method: &str, uri: &str, content_type: Option<&str>) -> Option<RequestLabels> {
    let mut request = http::Request::builder().method(method).uri(uri);
    if let Some(content_type) = content_type {
        request = request.header(http::header::CONTENT_TYPE, content_type);
    }
    let (parts, ()) = request.body(()).expect("a request").into_parts();
    let info = RequestInfo::parse(method, parts.uri.path(), parts.uri.query().unwrap_or(""))
        .expect("request info");
    labels(&parts, &info)
}

fn short(
    labels: Option<RequestLabels>,
) -> Option<(
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
)> {
    labels.map(|l| (l.verb, l.resource, l.subresource, l.scope, l.dry_run))
}

#[test]
fn verbs_and_scopes_as_kube_apiserver_reports_them() {
    assert_eq!(
        short(labels_of("GET", "/api/v1/namespaces/a/pods", None)),
        Some(("LIST", "pods", "", "namespace", ""))
    );
    assert_eq!(
        short(labels_of("GET", "/api/v1/namespaces/a/pods/web", None)),
        Some(("GET", "pods", "", "resource", ""))
    );
    assert_eq!(
        short(labels_of("GET", "/api/v1/namespaces?watch=true", None)),
        Some(("WATCH", "namespaces", "", "cluster", ""))
    );
    assert_eq!(
        short(labels_of(
            "POST",
            "/api/v1/namespaces/a/configmaps?dryRun=All",
            None
        )),
        Some(("POST", "configmaps", "", "resource", "All"))
    );
    assert_eq!(
        short(labels_of(
            "PATCH",
            "/apis/apps/v1/namespaces/a/deployments/web",
            Some("application/apply-patch+yaml")
        )),
        Some(("APPLY", "deployments", "", "resource", ""))
    );
    assert_eq!(
        short(labels_of(
            "PUT",
            "/apis/certificates.k8s.io/v1/certificatesigningrequests/c/approval",
            None
        )),
        Some((
            "PUT",
            "certificatesigningrequests",
            "approval",
            "resource",
            ""
        ))
    );
    assert_eq!(
        short(labels_of("GET", "/readyz", None)),
        Some(("GET", "", "/readyz", "", ""))
    );
}

#[test]
fn unknown_kinds_and_paths_are_not_counted() {
    assert_eq!(labels_of("GET", "/api/v1/namespaces/a/widgets", None), None);
    assert_eq!(labels_of("GET", "/some/where", None), None);
    assert_eq!(
        labels_of("GET", "/api/v1/namespaces/a/pods/web/nope", None),
        None
    );
}
