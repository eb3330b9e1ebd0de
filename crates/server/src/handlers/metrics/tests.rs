use crate::test_support::{ADMIN, ALICE, TestServer};

#[tokio::test]
async fn metrics_are_behind_rbac_and_move_with_requests() {
    let server = TestServer::start().await;
    let anonymous = server.request("GET", "/metrics", None, None).await;
    assert_eq!(anonymous.code, 403);
    assert_eq!(
        anonymous.json()["message"],
        "forbidden: User \"system:anonymous\" cannot get path \"/metrics\""
    );
    for _ in 0..2 {
        let listed = server
            .request(
                "GET",
                "/api/v1/namespaces/default/configmaps",
                Some(ALICE),
                None,
            )
            .await;
        assert_eq!(listed.code, 403);
    }
    let scraped = server.request("GET", "/metrics", Some(ADMIN), None).await;
    assert_eq!(scraped.code, 200);
    assert_eq!(
        scraped.headers.get("content-type").unwrap(),
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let text = scraped.text();
    for line in [
        r#"apiserver_request_total{verb="LIST",dry_run="",group="",version="v1",resource="configmaps",subresource="",scope="namespace",component="apiserver",code="403"} 2"#,
        r#"apiserver_request_total{verb="GET",dry_run="",group="",version="",resource="",subresource="/metrics",scope="",component="apiserver",code="403"} 1"#,
        r#"authentication_attempts{result="success"} 4"#,
        r#"apiserver_current_inflight_requests{request_kind="readOnly"} 1"#,
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
    assert!(
        text.lines().any(|l| l.starts_with(
            r#"apiserver_storage_objects{resource="clusterroles.rbac.authorization.k8s.io"} "#
        )),
        "{text}"
    );
}
