use super::*;

fn key(group: &str, resource: &str, namespace: Option<&str>, name: &str) -> ObjectKey {
    ObjectKey {
        group: group.to_string(),
        resource: resource.to_string(),
        namespace: namespace.map(str::to_string),
        name: name.to_string(),
    }
}

fn scope(group: &str, resource: &str, namespace: Option<&str>) -> ListScope {
    ListScope {
        group: group.to_string(),
        resource: resource.to_string(),
        namespace: namespace.map(str::to_string),
    }
}

#[test]
fn keys_are_where_kube_apiserver_puts_them() {
    let layout = Layout::new("/registry");
    let cases = [
        (
            key("", "pods", Some("default"), "web"),
            "/registry/pods/default/web",
        ),
        (
            key("", "namespaces", None, "kube-system"),
            "/registry/namespaces/kube-system",
        ),
        (
            key("", "services", Some("default"), "kubernetes"),
            "/registry/services/specs/default/kubernetes",
        ),
        (
            key("", "endpoints", Some("default"), "kubernetes"),
            "/registry/services/endpoints/default/kubernetes",
        ),
        (key("", "nodes", None, "n1"), "/registry/minions/n1"),
        (
            key("", "replicationcontrollers", Some("a"), "rc"),
            "/registry/controllers/a/rc",
        ),
        (
            key("networking.k8s.io", "ingresses", Some("a"), "i"),
            "/registry/ingress/a/i",
        ),
        (
            key("rbac.authorization.k8s.io", "clusterroles", None, "admin"),
            "/registry/clusterroles/admin",
        ),
        (
            key(
                "rbac.authorization.k8s.io",
                "rolebindings",
                Some("dev"),
                "rb",
            ),
            "/registry/rolebindings/dev/rb",
        ),
        (
            key("apps", "deployments", Some("a"), "d"),
            "/registry/deployments/a/d",
        ),
        (
            key(
                "certificates.k8s.io",
                "certificatesigningrequests",
                None,
                "csr-1",
            ),
            "/registry/certificatesigningrequests/csr-1",
        ),
        (
            key("coordination.k8s.io", "leases", Some("kube-system"), "l"),
            "/registry/leases/kube-system/l",
        ),
        (
            key(
                "apiextensions.k8s.io",
                "customresourcedefinitions",
                None,
                "widgets.example.com",
            ),
            "/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com",
        ),
        (
            key("apiregistration.k8s.io", "apiservices", None, "v1.apps"),
            "/registry/apiregistration.k8s.io/apiservices/v1.apps",
        ),
        (
            key("example.com", "widgets", Some("a"), "w"),
            "/registry/example.com/widgets/a/w",
        ),
        (
            key("idp.kubeward.io", "realms", None, "master"),
            "/registry/idp.kubeward.io/realms/master",
        ),
        (key("", "events", Some("a"), "e"), "/registry/events/a/e"),
        (
            key("events.k8s.io", "events", Some("a"), "e"),
            "/registry/events.k8s.io/events/a/e",
        ),
    ];
    for (object, expected) in cases {
        assert_eq!(layout.object_key(&object).unwrap(), expected, "{object:?}");
        assert_eq!(layout.decode(expected), Some(object));
    }
}

#[test]
fn the_prefix_is_normalized_as_kube_apiserver_does() {
    for prefix in ["/registry", "registry", "/registry/", "//registry//"] {
        assert_eq!(Layout::new(prefix).root(), "/registry/");
    }
    assert_eq!(Layout::new("").root(), "/");
    assert_eq!(Layout::new("/a/b").root(), "/a/b/");
    let key = key("", "pods", Some("ns"), "p");
    assert_eq!(Layout::new("").object_key(&key).unwrap(), "/pods/ns/p");
}

#[test]
fn scope_prefixes_are_kube_apiservers_list_keys() {
    let layout = Layout::new("/registry");
    assert_eq!(
        layout.scope_prefix(&scope("", "pods", None)).unwrap(),
        "/registry/pods/"
    );
    assert_eq!(
        layout
            .scope_prefix(&scope("", "pods", Some("default")))
            .unwrap(),
        "/registry/pods/default/"
    );
    assert_eq!(
        layout
            .scope_prefix(&scope("", "namespaces", Some("")))
            .unwrap(),
        "/registry/namespaces/"
    );
    assert_eq!(
        layout.scope_prefix(&scope("", "services", None)).unwrap(),
        "/registry/services/specs/"
    );
    assert_eq!(range_end("/registry/pods/"), b"/registry/pods0".to_vec());
}

#[test]
fn names_that_are_not_path_segments_are_escaped_and_round_trip() {
    let layout = Layout::new("/registry");
    for name in ["a/b", "100%", "%2F", ".", "..", "%2E", "a%25b/", "..."] {
        let object = key("idp.kubeward.io", "clients", Some("r/x"), name);
        let encoded = layout.object_key(&object).unwrap();
        assert_eq!(encoded.matches('/').count(), 5, "{encoded}");
        assert_eq!(layout.decode(&encoded), Some(object), "{encoded}");
    }
    assert_eq!(
        layout
            .object_key(&key("", "configmaps", None, "a/b"))
            .unwrap(),
        "/registry/configmaps/a%2Fb"
    );
    assert_eq!(
        layout
            .object_key(&key("", "configmaps", None, "..."))
            .unwrap(),
        "/registry/configmaps/...",
        "only `.` and `..` are not segments"
    );
}

#[test]
fn keys_that_have_no_place_of_their_own_are_refused() {
    let layout = Layout::new("/registry");
    for bad in [
        key("", "", None, "x"),
        key("", "pods", None, ""),
        key("a/b", "pods", None, "x"),
        key("", "po/ds", None, "x"),
        key("example.com", "wid\u{0}gets", None, "x"),
        // A core resource named like another group's resource would read back as that one.
        key("", "clusterroles", None, "x"),
        // A dotted resource would read back as a group.
        key("", "a.b", None, "x"),
        // A group without a dot that kube-apiserver does not serve reads back as a resource.
        key("kubeward", "things", None, "x"),
    ] {
        assert!(
            matches!(layout.object_key(&bad), Err(StoreError::Invalid(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        layout.scope_prefix(&scope("", "a.b", None)),
        Err(StoreError::Invalid(_))
    ));
}

#[test]
fn foreign_keys_do_not_decode() {
    let layout = Layout::new("/registry");
    for foreign in [
        "/other/pods/a/b",
        "/registry/pods/a/b/c",
        "/registry/pods",
        "/registry/pods/",
        "/registry/pods//x",
        "compact_rev_key",
    ] {
        assert_eq!(layout.decode(foreign), None, "{foreign}");
    }
}
