use super::*;
use proptest::prelude::*;

/// `(method, url, verb, prefix, group, version, namespace, resource, subresource, name, parts)`,
/// Kubernetes' own `TestGetAPIRequestInfo` table plus kubeward's additions.
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

#[rustfmt::skip]
const RESOURCE_CASES: &[Case] = &[
    // resource paths
    ("GET", "/api/v1/namespaces", "list", "api", "", "v1", "", "namespaces", "", "", &["namespaces"]),
    ("GET", "/api/v1/namespaces/other", "get", "api", "", "v1", "other", "namespaces", "", "other", &["namespaces", "other"]),
    ("GET", "/api/v1/namespaces/other/pods", "list", "api", "", "v1", "other", "pods", "", "", &["pods"]),
    ("GET", "/api/v1/namespaces/other/pods/foo", "get", "api", "", "v1", "other", "pods", "", "foo", &["pods", "foo"]),
    ("HEAD", "/api/v1/namespaces/other/pods/foo", "get", "api", "", "v1", "other", "pods", "", "foo", &["pods", "foo"]),
    ("GET", "/api/v1/pods", "list", "api", "", "v1", "", "pods", "", "", &["pods"]),
    ("HEAD", "/api/v1/pods", "list", "api", "", "v1", "", "pods", "", "", &["pods"]),
    ("GET", "/api/v1/namespaces/other/pods/foo", "get", "api", "", "v1", "other", "pods", "", "foo", &["pods", "foo"]),
    ("GET", "/api/v1/namespaces/other/pods", "list", "api", "", "v1", "other", "pods", "", "", &["pods"]),
    ("PATCH", "/api/v1/namespaces/new-namespace", "patch", "api", "", "v1", "new-namespace", "namespaces", "", "new-namespace", &["namespaces", "new-namespace"]),
    // special verbs
    ("GET", "/api/v1/proxy/namespaces/other/pods/foo", "proxy", "api", "", "v1", "other", "pods", "", "foo", &["pods", "foo"]),
    ("GET", "/api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource", "proxy", "api", "", "v1", "other", "pods", "", "foo", &["pods", "foo", "subpath", "not", "a", "subresource"]),
    ("GET", "/api/v1/watch/pods", "watch", "api", "", "v1", "", "pods", "", "", &["pods"]),
    ("GET", "/api/v1/pods?watch=true", "watch", "api", "", "v1", "", "pods", "", "", &["pods"]),
    ("GET", "/api/v1/pods?watch=false", "list", "api", "", "v1", "", "pods", "", "", &["pods"]),
    ("GET", "/api/v1/watch/namespaces/other/pods", "watch", "api", "", "v1", "other", "pods", "", "", &["pods"]),
    ("GET", "/api/v1/namespaces/other/pods?watch=1", "watch", "api", "", "v1", "other", "pods", "", "", &["pods"]),
    ("GET", "/api/v1/namespaces/other/pods?watch=0", "list", "api", "", "v1", "other", "pods", "", "", &["pods"]),
    // subresource identification
    ("GET", "/api/v1/namespaces/other/pods/foo/status", "get", "api", "", "v1", "other", "pods", "status", "foo", &["pods", "foo", "status"]),
    ("GET", "/api/v1/namespaces/other/pods/foo/proxy/subpath", "get", "api", "", "v1", "other", "pods", "proxy", "foo", &["pods", "foo", "proxy", "subpath"]),
    ("PUT", "/api/v1/namespaces/other/finalize", "update", "api", "", "v1", "other", "namespaces", "finalize", "other", &["namespaces", "other", "finalize"]),
    ("PUT", "/api/v1/namespaces/other/status", "update", "api", "", "v1", "other", "namespaces", "status", "other", &["namespaces", "other", "status"]),
    // verb identification
    ("PATCH", "/api/v1/namespaces/other/pods/foo", "patch", "api", "", "v1", "other", "pods", "", "foo", &["pods", "foo"]),
    ("DELETE", "/api/v1/namespaces/other/pods/foo", "delete", "api", "", "v1", "other", "pods", "", "foo", &["pods", "foo"]),
    ("POST", "/api/v1/namespaces/other/pods", "create", "api", "", "v1", "other", "pods", "", "", &["pods"]),
    // deletecollection verb identification
    ("DELETE", "/api/v1/nodes", "deletecollection", "api", "", "v1", "", "nodes", "", "", &["nodes"]),
    ("DELETE", "/api/v1/namespaces", "deletecollection", "api", "", "v1", "", "namespaces", "", "", &["namespaces"]),
    ("DELETE", "/api/v1/namespaces/other/pods", "deletecollection", "api", "", "v1", "other", "pods", "", "", &["pods"]),
    ("DELETE", "/apis/extensions/v1/namespaces/other/pods", "deletecollection", "apis", "extensions", "v1", "other", "pods", "", "", &["pods"]),
    // api group identification
    ("POST", "/apis/extensions/v1/namespaces/other/pods", "create", "apis", "extensions", "v1", "other", "pods", "", "", &["pods"]),
    // api version identification
    ("POST", "/apis/extensions/v1beta3/namespaces/other/pods", "create", "apis", "extensions", "v1beta3", "other", "pods", "", "", &["pods"]),
    // kubeward additions: the requests of the seeds and the golden captures
    ("GET", "/apis/apps/v1/namespaces/default/deployments", "list", "apis", "apps", "v1", "default", "deployments", "", "", &["deployments"]),
    ("GET", "/api/v1/namespaces/default/pods/web/log", "get", "api", "", "v1", "default", "pods", "log", "web", &["pods", "web", "log"]),
    ("POST", "/api/v1/namespaces/dev-team/serviceaccounts/dev-k8s/token", "create", "api", "", "v1", "dev-team", "serviceaccounts", "token", "dev-k8s", &["serviceaccounts", "dev-k8s", "token"]),
    ("PUT", "/apis/certificates.k8s.io/v1/certificatesigningrequests/minjun/approval", "update", "apis", "certificates.k8s.io", "v1", "", "certificatesigningrequests", "approval", "minjun", &["certificatesigningrequests", "minjun", "approval"]),
    ("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "create", "apis", "authentication.k8s.io", "v1", "", "selfsubjectreviews", "", "", &["selfsubjectreviews"]),
    ("GET", "/api/v1/namespaces/foo/status", "get", "api", "", "v1", "foo", "namespaces", "status", "foo", &["namespaces", "foo", "status"]),
    ("GET", "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dapp-config", "list", "api", "", "v1", "default", "configmaps", "", "app-config", &["configmaps"]),
    ("GET", "/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dapp-config&resourceVersion=0", "watch", "api", "", "v1", "default", "configmaps", "", "app-config", &["configmaps"]),
    ("GET", "/api/v1/pods?watch=", "watch", "api", "", "v1", "", "pods", "", "", &["pods"]),
    ("GET", "/api/v1/pods?watch=FALSE", "list", "api", "", "v1", "", "pods", "", "", &["pods"]),
    ("GET", "/api/v1/watch/namespaces/other/pods/foo", "watch", "api", "", "v1", "other", "pods", "", "foo", &["pods", "foo"]),
    ("OPTIONS", "/api/v1/pods", "", "api", "", "v1", "", "pods", "", "", &["pods"]),
    ("get", "/api/v1/pods/x", "", "api", "", "v1", "", "pods", "", "x", &["pods", "x"]),
    ("GET", "/api/v1/namespaces/a%2Fb/pods", "get", "api", "", "v1", "a", "b", "", "pods", &["b", "pods"]),
    ("GET", "//api//v1/pods", "get", "api", "", "", "", "v1", "", "pods", &["v1", "pods"]),
];

fn resolve(method: &str, url: &str) -> RequestInfo {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    RequestInfo::parse(method, path, query)
        .unwrap_or_else(|e| panic!("{method} {url}: unexpected error {e}"))
}

#[test]
fn api_request_info() {
    for &(method, url, verb, prefix, group, version, ns, resource, sub, name, parts) in
        RESOURCE_CASES
    {
        let info = resolve(method, url);
        let ctx = format!("{method} {url}");
        assert!(
            info.is_resource_request,
            "{ctx}: expected a resource request"
        );
        assert_eq!(info.verb, verb, "{ctx}: verb");
        assert_eq!(info.api_prefix, prefix, "{ctx}: prefix");
        assert_eq!(info.api_group, group, "{ctx}: group");
        assert_eq!(info.api_version, version, "{ctx}: version");
        assert_eq!(info.namespace, ns, "{ctx}: namespace");
        assert_eq!(info.resource, resource, "{ctx}: resource");
        assert_eq!(info.subresource, sub, "{ctx}: subresource");
        assert_eq!(info.name, name, "{ctx}: name");
        assert_eq!(info.parts, parts, "{ctx}: parts");
    }
}

#[test]
fn non_resource_error_cases() {
    // TestGetAPIRequestInfo's errorCases: all resolve, as non-resource requests.
    for url in [
        "/",
        "/api/version/",
        "/apis/group/version/",
        "/badprefix/version/resource",
        "/apis/version/resource",
    ] {
        let info = resolve("GET", url);
        assert!(!info.is_resource_request, "{url}");
        assert_eq!(info.verb, "get", "{url}");
        assert_eq!(info.path, url, "{url}");
    }
}

#[test]
fn non_api_request_info() {
    let cases = [
        ("/api/version/resource", true),
        ("/apis/group/version/resource/name/subresource", true),
        ("/api/version/resource/name/subresource", true),
        ("/apis/batch/v1/job", true),
        ("/apis/batch/v1/job/foo", true),
        ("/apis/batch/v1/job/foo/scale", true),
        ("/not-api/version/resource", false),
        ("/apis/extensions/v1beta1", false),
        ("/apis/extensions/v1beta1/", false),
        ("/api/version", false),
        ("/api", false),
        ("/", false),
        ("", false),
    ];
    for (url, expected) in cases {
        assert_eq!(resolve("GET", url).is_resource_request, expected, "{url:?}");
    }
}

#[test]
fn non_resource_verbs_are_lowercase_methods() {
    for (method, verb) in [
        ("GET", "get"),
        ("POST", "post"),
        ("PUT", "put"),
        ("DELETE", "delete"),
        ("HEAD", "head"),
        ("PATCH", "patch"),
    ] {
        let info = resolve(method, "/healthz");
        assert_eq!(
            info,
            RequestInfo {
                path: "/healthz".to_string(),
                verb: verb.to_string(),
                ..RequestInfo::default()
            }
        );
    }
    let info = resolve("GET", "/readyz?verbose");
    assert_eq!(info.path, "/readyz");
    assert!(!info.is_resource_request);
}

#[test]
fn field_selector_parsing() {
    // Kubernetes' TestFieldSelectorParsing: (url, name, verb).
    let cases = [
        ("/apis/group/version/resource", "", "list"),
        (
            "/apis/group/version/resource?fieldSelector=metadata.name=name1",
            "name1",
            "list",
        ),
        (
            "/apis/group/version/resource?watch=true&fieldSelector=metadata.name=name1",
            "name1",
            "watch",
        ),
        (
            "/apis/group/version/resource?fieldSelector=foo=bar",
            "",
            "list",
        ),
        (
            "/apis/group/version/resource?fieldSelector=metadata.name=name1,foo",
            "",
            "list",
        ),
        (
            "/apis/group/version/resource?fieldSelector=metadata.name=name1,foo&watch=true",
            "",
            "watch",
        ),
        (
            "/apis/group/version/resource?fieldSelector=metadata.name=name1,foo&watch=false",
            "",
            "list",
        ),
        // kubeward additions
        (
            "/apis/group/version/resource?fieldSelector=metadata.name==name1",
            "name1",
            "list",
        ),
        (
            "/apis/group/version/resource?fieldSelector=metadata.name!=name1",
            "",
            "list",
        ),
        (
            "/apis/group/version/resource?fieldSelector=metadata.namespace=x,metadata.name=b,metadata.name=a",
            "a",
            "list",
        ),
        (
            "/apis/group/version/resource?fieldSelector=metadata.name=..",
            "",
            "list",
        ),
        (
            "/apis/group/version/resource?fieldSelector=metadata.name=a%25b",
            "",
            "list",
        ),
        (
            "/apis/group/version/resource?fieldSelector=metadata.name=a\\,b",
            "a,b",
            "list",
        ),
        (
            "/apis/group/version/resource?fieldSelector=metadata.name=a=b",
            "",
            "list",
        ),
        (
            "/apis/group/version/resource?fieldSelector=metadata.name=x&limit=abc&watch=1",
            "",
            "watch",
        ),
        (
            "/apis/group/version/resource?fieldSelector=metadata.name=x&labelSelector=a%20in%20(b",
            "",
            "list",
        ),
        (
            "/apis/group/version/resource?fieldSelector=metadata.name=x&labelSelector=app%3Dweb&limit=500",
            "x",
            "list",
        ),
        (
            "/apis/group/version/resource?fieldSelector=metadata.name%3Dx&fieldSelector=metadata.name%3Dy",
            "x",
            "list",
        ),
    ];
    for (url, name, verb) in cases {
        let info = resolve("GET", url);
        assert_eq!(info.name, name, "{url}: name");
        assert_eq!(info.verb, verb, "{url}: verb");
    }
}

#[test]
fn selectors_are_recorded_for_collection_verbs() {
    let info = resolve(
        "GET",
        "/api/v1/pods?labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dn1",
    );
    assert_eq!(info.label_selector, "app=web");
    assert_eq!(info.field_selector, "spec.nodeName=n1");
    let info = resolve("GET", "/api/v1/watch/pods?labelSelector=app%3Dweb");
    assert_eq!(info.label_selector, "", "verb via path: no selectors");
    let info = resolve("GET", "/api/v1/pods/x?labelSelector=app%3Dweb");
    assert_eq!(info.label_selector, "", "get: no selectors");
}

#[test]
fn special_verb_without_resource_is_an_error() {
    assert_eq!(
        RequestInfo::parse("GET", "/api/v1/watch", ""),
        Err(RequestInfoError::UnableToDetermineKind(
            "/api/v1/watch".to_string()
        ))
    );
    assert!(RequestInfo::parse("GET", "/apis/apps/v1/proxy/", "a=b").is_err());
}

#[test]
fn malformed_paths() {
    assert_eq!(
        RequestInfo::parse("GET", "/api/v1/pods/%zz", ""),
        Err(RequestInfoError::InvalidEscape("%zz".to_string()))
    );
    assert_eq!(
        RequestInfo::parse("GET", "/api/v1/pods/%f", ""),
        Err(RequestInfoError::InvalidEscape("%f".to_string()))
    );
    assert_eq!(
        RequestInfo::parse("GET", "/api/v1/pods/%ff", ""),
        Err(RequestInfoError::NonUtf8Path)
    );
    let info = resolve("GET", "/api/v1/pods/caf%C3%A9");
    assert_eq!(info.name, "café");
    assert_eq!(info.path, "/api/v1/pods/café");
}

#[test]
fn go_query_parsing() {
    assert_eq!(
        parse_query("a=1&b=x+y&c&&d=%zz&e=1;2&a=2&f=%41"),
        vec![
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "x y".to_string()),
            ("c".to_string(), String::new()),
            ("a".to_string(), "2".to_string()),
            ("f".to_string(), "A".to_string()),
        ]
    );
    assert!(parse_query("").is_empty());
}

#[test]
fn to_attributes() {
    let user = UserInfo::new("minjun", ["dev-team", "system:authenticated"]);
    let info = resolve("GET", "/api/v1/namespaces/default/pods/web/log");
    let attrs = info.to_attributes(user.clone());
    assert_eq!(
        attrs,
        Attributes::resource(user.clone(), "get", "", "pods", "default")
            .with_subresource("log")
            .with_name("web")
            .with_api_version_and_path("v1", "/api/v1/namespaces/default/pods/web/log")
    );
    let attrs = resolve("GET", "/healthz").to_attributes(user.clone());
    assert_eq!(attrs, Attributes::non_resource(user, "get", "/healthz"));
}

/// Test-only helper to fill the two fields the `Attributes` builders leave empty.
trait WithVersionAndPath {
    fn with_api_version_and_path(self, version: &str, path: &str) -> Self;
}

impl WithVersionAndPath for Attributes {
    fn with_api_version_and_path(mut self, version: &str, path: &str) -> Self {
        self.api_version = version.to_string();
        self.path = path.to_string();
        self
    }
}

proptest! {
    #[test]
    fn never_panics(method in ".{0,8}", path in "(/|[a-z]{1,5}|%[0-9a-fA-Fz]{0,2}|\\.|\\?|,|=|[^/]{0,3}){0,40}", query in ".{0,80}") {
        let _ = RequestInfo::parse(&method, &path, &query);
    }

    #[test]
    fn arbitrary_api_paths_resolve_consistently(
        method in "(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)",
        segments in proptest::collection::vec("[a-z0-9.%=,!()-]{0,6}", 0..10),
        query in "(watch=[a-z0-9]{0,5}|fieldSelector=[a-z.=,!\\\\]{0,20}|labelSelector=[a-z =!,()<>]{0,20}|limit=[0-9a-z]{0,3}|&){0,6}",
    ) {
        let path = format!("/apis/{}", segments.join("/"));
        if let Ok(info) = RequestInfo::parse(&method, &path, &query)
            && info.is_resource_request
        {
            prop_assert_eq!(info.api_prefix.as_str(), "apis");
            prop_assert!(!info.parts.is_empty());
            prop_assert_eq!(&info.resource, &info.parts[0]);
        }
    }
}
