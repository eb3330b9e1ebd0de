use bytes::Bytes;
use serde_json::{Value, json};

use crate::test_support::{ADMIN, ALICE, TestServer};

fn config_map(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}})
}

const CONFIG_MAPS: &str = "/api/v1/namespaces/default/configmaps";

#[tokio::test]
async fn create_get_update_patch_delete_round_trip() {
    let server = TestServer::start().await;
    let created = server
        .admin("POST", CONFIG_MAPS, Some(&config_map("c")))
        .await;
    assert_eq!(created["metadata"]["namespace"], "default");
    assert!(
        created["metadata"]["uid"]
            .as_str()
            .is_some_and(|u| !u.is_empty())
    );
    let path = format!("{CONFIG_MAPS}/c");
    let got = server.admin("GET", &path, None).await;
    assert_eq!(got, created);
    let mut changed = got.clone();
    changed["data"]["k"] = json!("w");
    let updated = server.admin("PUT", &path, Some(&changed)).await;
    assert_eq!(updated["data"]["k"], "w");
    // A stale resourceVersion is a conflict in kube-apiserver's words.
    let stale = server
        .request("PUT", &path, Some(ADMIN), Some(&changed))
        .await;
    assert_eq!(stale.code, 409);
    assert_eq!(
        stale.json()["message"],
        "Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please apply your changes to the latest version and try again"
    );
    let patch = server
        .send(
            http::Request::builder()
                .method("PATCH")
                .uri(&path)
                .header("authorization", format!("Bearer {ADMIN}"))
                .header("content-type", "application/merge-patch+json"),
            Bytes::from_static(br#"{"data":{"n":"1"}}"#),
        )
        .await;
    assert_eq!(patch.code, 200, "{}", patch.text());
    assert_eq!(patch.json()["data"], json!({"k": "w", "n": "1"}));
    let deleted = server.admin("DELETE", &path, None).await;
    assert_eq!(deleted["metadata"]["name"], "c");
    let gone = server.request("GET", &path, Some(ADMIN), None).await;
    assert_eq!(gone.code, 404);
    assert_eq!(gone.json()["message"], "configmaps \"c\" not found");
}

#[tokio::test]
async fn lists_come_in_pages_with_continue_tokens() {
    let server = TestServer::start().await;
    for name in ["a", "b", "c", "d", "e"] {
        server
            .admin("POST", CONFIG_MAPS, Some(&config_map(name)))
            .await;
    }
    // kube-root-ca.crt is there too: six in all.
    let first = server
        .admin("GET", &format!("{CONFIG_MAPS}?limit=2"), None)
        .await;
    let names = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&first), ["a", "b"]);
    assert_eq!(first["metadata"]["remainingItemCount"], 4);
    let token = first["metadata"]["continue"].as_str().unwrap().to_string();
    // Written after the first page: not in the later pages, which read its revision.
    server
        .admin("POST", CONFIG_MAPS, Some(&config_map("bb")))
        .await;
    let rest = server
        .admin(
            "GET",
            &format!("{CONFIG_MAPS}?limit=10&continue={token}"),
            None,
        )
        .await;
    assert_eq!(names(&rest), ["c", "d", "e", "kube-root-ca.crt"]);
    assert!(rest["metadata"].get("continue").is_none());
    assert_eq!(
        rest["metadata"]["resourceVersion"],
        first["metadata"]["resourceVersion"]
    );
}

/// A continue token whose revision the store no longer keeps: etcd3's 410 with its words, and a
/// token that goes on at the newest revision from the same place.
#[tokio::test]
async fn an_expired_continue_token_is_410_with_a_token_to_go_on_with() {
    let server = TestServer::start_with(kubeward_store::StoreOptions {
        event_log_length: 3,
        ..kubeward_store::StoreOptions::default()
    })
    .await;
    for name in ["a", "b", "c"] {
        server
            .admin("POST", CONFIG_MAPS, Some(&config_map(name)))
            .await;
    }
    let first = server
        .admin("GET", &format!("{CONFIG_MAPS}?limit=1"), None)
        .await;
    let token = first["metadata"]["continue"].as_str().unwrap().to_string();
    for name in ["d", "e", "f", "g"] {
        server
            .admin("POST", CONFIG_MAPS, Some(&config_map(name)))
            .await;
    }
    let expired = server
        .request(
            "GET",
            &format!("{CONFIG_MAPS}?limit=2&continue={token}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(expired.code, 410, "{}", expired.text());
    let body = expired.json();
    let next = body["metadata"]["continue"].as_str().unwrap().to_string();
    assert_eq!(
        body,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {"continue": next}, "status": "Failure",
            "message": "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
            "reason": "Expired", "code": 410})
    );
    let decoded = kubeward_store::Continue::decode(&next).unwrap();
    assert_eq!(decoded.revision, None);
    // Going on with it lists the rest as it is now.
    let rest = server
        .admin(
            "GET",
            &format!("{CONFIG_MAPS}?limit=10&continue={next}"),
            None,
        )
        .await;
    let names: Vec<&str> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["b", "c", "d", "e", "f", "g", "kube-root-ca.crt"]);
}

#[tokio::test]
async fn bad_paging_parameters_are_refused_as_kube_apiserver_does() {
    let server = TestServer::start().await;
    let bad_token = server
        .request(
            "GET",
            &format!("{CONFIG_MAPS}?limit=1&continue=xyz"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(bad_token.code, 400);
    assert!(
        bad_token.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid continue token: continue key is not valid: "),
        "{}",
        bad_token.text()
    );
    let matching = server
        .request(
            "GET",
            &format!("{CONFIG_MAPS}?resourceVersionMatch=Exact"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(matching.code, 422);
    assert_eq!(
        matching.json()["message"],
        "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"
    );
    let future = server
        .request(
            "GET",
            &format!("{CONFIG_MAPS}?resourceVersion=999999&resourceVersionMatch=NotOlderThan"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(future.code, 504);
    assert!(
        future.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Timeout: Too large resource version: 999999, current: ")
    );
}

#[tokio::test]
async fn delete_preconditions_are_checked() {
    let server = TestServer::start().await;
    let created = server
        .admin("POST", CONFIG_MAPS, Some(&config_map("p")))
        .await;
    let path = format!("{CONFIG_MAPS}/p");
    let wrong_uid =
        json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": "not-it"}});
    let refused = server
        .request("DELETE", &path, Some(ADMIN), Some(&wrong_uid))
        .await;
    let uid = created["metadata"]["uid"].as_str().unwrap();
    // rest.BeforeDelete's words, the object named by its Kind.
    assert_eq!(refused.code, 409);
    assert_eq!(
        refused.json(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!("Operation cannot be fulfilled on ConfigMap \"p\": the UID in the precondition (not-it) does not match the UID in record ({uid}). The object might have been deleted and then recreated"),
            "reason": "Conflict", "details": {"name": "p", "kind": "ConfigMap"}, "code": 409})
    );
    let stale = json!({"preconditions": {"resourceVersion": "1"}});
    let refused = server
        .request("DELETE", &path, Some(ADMIN), Some(&stale))
        .await;
    assert_eq!(refused.code, 409);
    assert_eq!(
        refused.json()["message"],
        format!(
            "Operation cannot be fulfilled on ConfigMap \"p\": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record ({}). The object might have been modified",
            created["metadata"]["resourceVersion"].as_str().unwrap()
        )
    );
    // A PUT's uid is a precondition of the storage layer.
    let mut replaced = created.clone();
    replaced["metadata"]["uid"] = json!("not-it");
    let refused = server
        .request("PUT", &path, Some(ADMIN), Some(&replaced))
        .await;
    assert_eq!(refused.code, 409);
    assert_eq!(
        refused.json()["message"],
        format!(
            "Operation cannot be fulfilled on configmaps \"p\": StorageError: invalid object, Code: 4, Key: /registry/configmaps/default/p, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: not-it, UID in object meta: {uid}"
        )
    );
    // The namespace registry words its own.
    let namespace = server
        .request(
            "DELETE",
            "/api/v1/namespaces/kube-node-lease",
            Some(ADMIN),
            Some(&json!({"preconditions": {"resourceVersion": "1"}})),
        )
        .await;
    assert_eq!(namespace.code, 409);
    assert!(
        namespace.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Operation cannot be fulfilled on namespaces \"kube-node-lease\": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: "),
        "{}",
        namespace.text()
    );
    let right = json!({"preconditions": {"uid": created["metadata"]["uid"], "resourceVersion": created["metadata"]["resourceVersion"]}});
    let deleted = server
        .request("DELETE", &path, Some(ADMIN), Some(&right))
        .await;
    assert_eq!(deleted.code, 200, "{}", deleted.text());
}

#[tokio::test]
async fn the_system_namespaces_cannot_be_deleted() {
    let server = TestServer::start().await;
    for namespace in ["default", "kube-system", "kube-public"] {
        let answer = server
            .request(
                "DELETE",
                &format!("/api/v1/namespaces/{namespace}"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(answer.code, 403);
        assert_eq!(
            answer.json()["message"],
            format!("namespaces \"{namespace}\" is forbidden: this namespace may not be deleted")
        );
    }
}

/// The namespace controller deletes what a namespace holds, but an object with finalizers is only
/// marked for deletion, and the namespace stays Terminating until it is gone.
#[tokio::test]
async fn a_namespace_waits_for_the_finalizers_of_its_objects() {
    let server = TestServer::start().await;
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "waits"}});
    server
        .admin("POST", "/api/v1/namespaces", Some(&namespace))
        .await;
    let path = "/api/v1/namespaces/waits/configmaps";
    let mut held = config_map("kept");
    held["metadata"]["finalizers"] = json!(["example.com/hold"]);
    server.admin("POST", path, Some(&held)).await;
    server.admin("POST", path, Some(&config_map("plain"))).await;
    server
        .admin("DELETE", "/api/v1/namespaces/waits", None)
        .await;
    let kept = server.admin("GET", &format!("{path}/kept"), None).await;
    assert!(kept["metadata"]["deletionTimestamp"].is_string(), "{kept}");
    let plain = server
        .request("GET", &format!("{path}/plain"), Some(ADMIN), None)
        .await;
    assert_eq!(plain.code, 404);
    let waiting = server.admin("GET", "/api/v1/namespaces/waits", None).await;
    assert_eq!(waiting["status"]["phase"], "Terminating");
    assert_eq!(waiting["spec"]["finalizers"], json!(["kubernetes"]));
    // Its finalizer removed, the object goes, and the namespace after it.
    let mut released = kept.clone();
    released["metadata"]["finalizers"] = json!([]);
    server
        .admin("PUT", &format!("{path}/kept"), Some(&released))
        .await;
    let mut code = 0;
    for _ in 0..50 {
        code = server
            .request("GET", "/api/v1/namespaces/waits", Some(ADMIN), None)
            .await
            .code;
        if code == 404 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(code, 404);
}

#[tokio::test]
async fn a_terminating_namespace_takes_no_new_objects_and_goes_once_finalized() {
    let server = TestServer::start().await;
    let held = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "held"},
                      "spec": {"finalizers": ["example.com/hold"]}});
    let created = server
        .admin("POST", "/api/v1/namespaces", Some(&held))
        .await;
    assert_eq!(
        created["spec"]["finalizers"],
        json!(["example.com/hold", "kubernetes"])
    );
    server
        .admin(
            "POST",
            "/api/v1/namespaces/held/configmaps",
            Some(&config_map("c")),
        )
        .await;
    let deleting = server
        .admin("DELETE", "/api/v1/namespaces/held", None)
        .await;
    assert_eq!(deleting["status"]["phase"], "Terminating");
    // The namespace controller emptied it and removed its own finalizer; ours holds it.
    let now = server.admin("GET", "/api/v1/namespaces/held", None).await;
    assert_eq!(now["spec"]["finalizers"], json!(["example.com/hold"]));
    let contents = server
        .admin("GET", "/api/v1/namespaces/held/configmaps", None)
        .await;
    assert_eq!(contents["items"], json!([]));
    let refused = server
        .request(
            "POST",
            "/api/v1/namespaces/held/configmaps",
            Some(ADMIN),
            Some(&config_map("d")),
        )
        .await;
    assert_eq!(refused.code, 403);
    assert_eq!(
        refused.json(),
        json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "configmaps \"d\" is forbidden: unable to create new content in namespace held because it is being terminated",
            "reason": "Forbidden",
            "details": {"name": "d", "kind": "configmaps", "causes": [{
                "reason": "NamespaceTerminating",
                "message": "namespace held is being terminated",
                "field": "metadata.namespace"
            }]},
            "code": 403
        })
    );
    let again = server
        .request("DELETE", "/api/v1/namespaces/held", Some(ADMIN), None)
        .await;
    assert_eq!(again.code, 409);
    let mut finalize = now.clone();
    finalize["spec"]["finalizers"] = json!([]);
    server
        .admin("PUT", "/api/v1/namespaces/held/finalize", Some(&finalize))
        .await;
    let gone = server
        .request("GET", "/api/v1/namespaces/held", Some(ADMIN), None)
        .await;
    assert_eq!(gone.code, 404);
}

#[tokio::test]
async fn dry_runs_write_nothing() {
    let server = TestServer::start().await;
    let answer = server
        .request(
            "POST",
            &format!("{CONFIG_MAPS}?dryRun=All"),
            Some(ADMIN),
            Some(&config_map("dry")),
        )
        .await;
    assert_eq!(answer.code, 201);
    let absent = server
        .request("GET", &format!("{CONFIG_MAPS}/dry"), Some(ADMIN), None)
        .await;
    assert_eq!(absent.code, 404);
    server
        .admin("POST", CONFIG_MAPS, Some(&config_map("wet")))
        .await;
    let patch = server
        .send(
            http::Request::builder()
                .method("PATCH")
                .uri(format!("{CONFIG_MAPS}/wet?dryRun=All"))
                .header("authorization", format!("Bearer {ADMIN}"))
                .header("content-type", "application/merge-patch+json"),
            Bytes::from_static(br#"{"data":{"k":"changed"}}"#),
        )
        .await;
    assert_eq!(patch.json()["data"]["k"], "changed");
    let stored = server
        .admin("GET", &format!("{CONFIG_MAPS}/wet"), None)
        .await;
    assert_eq!(stored["data"]["k"], "v");
}

#[tokio::test]
async fn objects_with_finalizers_stay_until_the_last_one_is_removed() {
    let server = TestServer::start().await;
    let mut held = config_map("held");
    held["metadata"]["finalizers"] = json!(["example.com/keep"]);
    server.admin("POST", CONFIG_MAPS, Some(&held)).await;
    let path = format!("{CONFIG_MAPS}/held");
    let marked = server.admin("DELETE", &path, None).await;
    assert!(marked["metadata"]["deletionTimestamp"].is_string());
    let mut release = server.admin("GET", &path, None).await;
    release["metadata"]["finalizers"] = json!([]);
    server.admin("PUT", &path, Some(&release)).await;
    assert_eq!(
        server.request("GET", &path, Some(ADMIN), None).await.code,
        404
    );
}

#[tokio::test]
async fn writes_need_the_permission_and_valid_objects() {
    let server = TestServer::start().await;
    let forbidden = server
        .request("POST", CONFIG_MAPS, Some(ALICE), Some(&config_map("x")))
        .await;
    assert_eq!(forbidden.code, 403);
    let invalid = server
        .request(
            "POST",
            CONFIG_MAPS,
            Some(ADMIN),
            Some(&config_map("Bad_Name")),
        )
        .await;
    assert_eq!(invalid.code, 422);
    assert_eq!(
        invalid.json()["details"]["causes"][0]["field"],
        "metadata.name"
    );
    let strict = server
        .request(
            "POST",
            &format!("{CONFIG_MAPS}?fieldValidation=Strict"),
            Some(ADMIN),
            Some(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "s"}, "colour": "red"})),
        )
        .await;
    assert_eq!(strict.code, 400);
    let warned = server
        .request(
            "POST",
            CONFIG_MAPS,
            Some(ADMIN),
            Some(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "w"}, "colour": "red"})),
        )
        .await;
    assert_eq!(warned.code, 201);
    assert_eq!(
        warned.headers.get("warning").unwrap(),
        "299 - \"unknown field \\\"colour\\\"\""
    );
    assert_eq!(
        strict.json()["message"],
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"colour\""
    );
}

/// A patch's strict decoding errors (its repeated fields, the patched object's unknown fields) are
/// kube-apiserver's 422 about the `patch` field, the patched object as json-patch writes it.
#[tokio::test]
async fn strict_patch_errors_are_422_about_the_patch() {
    let server = TestServer::start().await;
    let created = server
        .admin("POST", CONFIG_MAPS, Some(&config_map("p")))
        .await;
    let request = http::Request::builder()
        .method("PATCH")
        .uri(format!("{CONFIG_MAPS}/p?fieldValidation=Strict"))
        .header("authorization", format!("Bearer {ADMIN}"))
        .header("content-type", "application/merge-patch+json");
    let refused = server
        .send(
            request,
            Bytes::from_static(br#"{"data":{"k":"v","k":"w"},"colour":"red"}"#),
        )
        .await;
    assert_eq!(refused.code, 422, "{}", refused.text());
    let mut patched = created.clone();
    patched["data"] = json!({"k": "w"});
    patched["colour"] = json!("red");
    let value = kubeward_core::go::marshal_sorted(&patched);
    let detail = "strict decoding error: duplicate field \"data.k\", unknown field \"colour\"";
    let quoted = kubeward_core::go::quote(&value);
    assert_eq!(
        refused.json(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!(" \"\" is invalid: patch: Invalid value: {quoted}: {detail}"),
            "reason": "Invalid",
            "details": {"causes": [{"reason": "FieldValueInvalid",
                "message": format!("Invalid value: {quoted}: {detail}"), "field": "patch"}]},
            "code": 422})
    );
}

#[tokio::test]
async fn a_pod_on_a_node_is_deleted_gracefully_and_goes_when_its_kubelet_deletes_it() {
    let server = TestServer::start().await;
    let pods = "/api/v1/namespaces/default/pods";
    let pod = |name: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
               "spec": {"containers": [{"name": "app", "image": "busybox"}], "terminationGracePeriodSeconds": 5}})
    };
    // A pod on no node goes at once.
    server.admin("POST", pods, Some(&pod("pending"))).await;
    server
        .admin("DELETE", &format!("{pods}/pending"), None)
        .await;
    let gone = server
        .request("GET", &format!("{pods}/pending"), Some(ADMIN), None)
        .await;
    assert_eq!(gone.code, 404);
    server.admin("POST", pods, Some(&pod("web"))).await;
    server
        .admin(
            "POST",
            &format!("{pods}/web/binding"),
            Some(&json!({"metadata": {"name": "web"}, "target": {"name": "lab"}})),
        )
        .await;
    let path = format!("{pods}/web");
    let marked = server.admin("DELETE", &path, None).await;
    assert_eq!(marked["metadata"]["deletionGracePeriodSeconds"], 5);
    assert!(marked["metadata"]["deletionTimestamp"].is_string());
    // Still there while its kubelet stops it; status writes do not finish the deletion.
    let mut status = server.admin("GET", &path, None).await;
    status["status"]["phase"] = json!("Running");
    server
        .admin("PUT", &format!("{path}/status"), Some(&status))
        .await;
    let kept = server.admin("GET", &path, None).await;
    assert_eq!(
        kept["metadata"]["deletionTimestamp"],
        marked["metadata"]["deletionTimestamp"]
    );
    // A longer grace period does not push the deadline back; a shorter one brings it forward.
    let longer = server
        .admin("DELETE", &format!("{path}?gracePeriodSeconds=60"), None)
        .await;
    assert_eq!(longer["metadata"]["deletionGracePeriodSeconds"], 5);
    let shorter = server
        .admin(
            "DELETE",
            &path,
            Some(&json!({"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 1})),
        )
        .await;
    assert_eq!(shorter["metadata"]["deletionGracePeriodSeconds"], 1);
    // The kubelet deletes it with grace 0 and its uid.
    let uid = kept["metadata"]["uid"].clone();
    server
        .admin(
            "DELETE",
            &path,
            Some(&json!({"gracePeriodSeconds": 0, "preconditions": {"uid": uid}})),
        )
        .await;
    let gone = server.request("GET", &path, Some(ADMIN), None).await;
    assert_eq!(gone.code, 404);
}
