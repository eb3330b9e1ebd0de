use crate::test_support::{ADMIN, TestServer};

#[tokio::test]
async fn named_checks_verbose_excluded_and_one_by_one() {
    let server = TestServer::start().await;
    let plain = server.request("GET", "/readyz", None, None).await;
    assert_eq!((plain.code, plain.text().as_str()), (200, "ok"));
    assert_eq!(
        plain.headers.get("content-type").unwrap(),
        "text/plain; charset=utf-8"
    );
    let verbose = server.request("GET", "/readyz?verbose", None, None).await;
    assert_eq!(
        verbose.text(),
        "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]etcd-readiness ok\n[+]informer-sync ok\n[+]poststarthook/start-apiextensions-informers ok\n[+]poststarthook/start-apiextensions-controllers ok\n[+]poststarthook/crd-informer-synced ok\n[+]poststarthook/start-system-namespaces-controller ok\n[+]poststarthook/rbac/bootstrap-roles ok\n[+]poststarthook/scheduling/bootstrap-system-priority-classes ok\n[+]poststarthook/bootstrap-controller ok\n[+]shutdown ok\nreadyz check passed\n"
    );
    let livez = server.request("GET", "/livez?verbose", None, None).await;
    assert_eq!(
        livez.text(),
        "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]poststarthook/start-apiextensions-informers ok\n[+]poststarthook/start-apiextensions-controllers ok\n[+]poststarthook/crd-informer-synced ok\n[+]poststarthook/start-system-namespaces-controller ok\n[+]poststarthook/rbac/bootstrap-roles ok\n[+]poststarthook/scheduling/bootstrap-system-priority-classes ok\n[+]poststarthook/bootstrap-controller ok\nlivez check passed\n"
    );
    let excluded = server
        .request(
            "GET",
            "/healthz?verbose&exclude=etcd&exclude=nope",
            None,
            None,
        )
        .await;
    assert_eq!(
        excluded.text(),
        "[+]ping ok\n[+]log ok\n[+]etcd excluded: ok\n[+]poststarthook/start-apiextensions-informers ok\n[+]poststarthook/start-apiextensions-controllers ok\n[+]poststarthook/crd-informer-synced ok\n[+]poststarthook/start-system-namespaces-controller ok\n[+]poststarthook/rbac/bootstrap-roles ok\n[+]poststarthook/scheduling/bootstrap-system-priority-classes ok\n[+]poststarthook/bootstrap-controller ok\nwarn: some health checks cannot be excluded: no matches for \"nope\"\nhealthz check passed\n"
    );
    // One check's path is not public (system:public-info-viewer names the endpoints only).
    let one = server.request("GET", "/livez/etcd", None, None).await;
    assert_eq!(one.code, 403);
    let one = server
        .request("GET", "/livez/etcd", Some(ADMIN), None)
        .await;
    assert_eq!((one.code, one.text().as_str()), (200, "ok"));
    let unknown = server
        .request("GET", "/readyz/nope", Some(ADMIN), None)
        .await;
    assert_eq!(unknown.code, 404);
}

#[tokio::test]
async fn readiness_fails_while_shutting_down_and_liveness_holds() {
    let server = TestServer::start().await;
    server.state.health.set_shutting_down();
    let ready = server.request("GET", "/readyz", Some(ADMIN), None).await;
    assert_eq!(ready.code, 500);
    assert!(
        ready
            .text()
            .ends_with("[-]shutdown failed: reason withheld\nreadyz check failed\n"),
        "{}",
        ready.text()
    );
    let one = server
        .request("GET", "/readyz/shutdown", Some(ADMIN), None)
        .await;
    assert_eq!(
        (one.code, one.text().as_str()),
        (500, "internal server error: process is shutting down\n")
    );
    let live = server.request("GET", "/livez", None, None).await;
    assert_eq!((live.code, live.text().as_str()), (200, "ok"));
}
