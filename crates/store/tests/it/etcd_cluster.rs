//! What only the etcd backend has: kube-apiserver's keys and values in etcd, the loss of a
//! member (the leader, killed with SIGKILL) during a stream of writes, TLS with client
//! certificates, an unreachable cluster, kube-apiserver's compactor.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kubeward_store::{
    EtcdOptions, EtcdStore, EtcdTls, ListOptions, ObjectKey, ReadRevision, Store, StoreError,
    StoreExt as _,
};
use kubeward_testkit::etcd::EtcdCluster;
use serde_json::json;

use crate::gateway;
use crate::support::{connect, etcd_options, key, names, object, revision_of, scope};

#[test]
fn objects_are_stored_where_and_as_kube_apiserver_stores_them() {
    let cluster = EtcdCluster::start(3);
    let store = connect(&cluster, "/registry");
    let role = ObjectKey {
        group: "rbac.authorization.k8s.io".to_string(),
        resource: "clusterroles".to_string(),
        namespace: None,
        name: "reader".to_string(),
    };
    let stored = store
        .create(&role, json!({"metadata": {"name": "reader"}, "rules": []}))
        .unwrap();
    let configmap = store
        .create(&key(Some("dev"), "settings"), object("settings"))
        .unwrap();
    let endpoint = cluster.endpoint(1);
    let (value, revision) = gateway::get(&endpoint, "/registry/clusterroles/reader").unwrap();
    assert_eq!(
        value,
        json!({"metadata": {"name": "reader"}, "rules": []}),
        "no resourceVersion"
    );
    assert_eq!(
        revision,
        revision_of(&stored),
        "the resourceVersion is the mod revision"
    );
    let (_, revision) = gateway::get(&endpoint, "/registry/configmaps/dev/settings").unwrap();
    assert_eq!(revision, revision_of(&configmap));

    // An object written into etcd by another program (as kube-apiserver would) is read back.
    gateway::post(
        &endpoint,
        "/v3/kv/put",
        &json!({
            "key": base64_of("/registry/configmaps/dev/external"),
            "value": base64_of(r#"{"metadata":{"name":"external"},"data":{"from":"etcd"}}"#),
        }),
    );
    let listed = wait_for(|| {
        let items = store.list_all(&scope(Some("dev"))).unwrap().items;
        (items.len() == 2).then_some(items)
    });
    assert_eq!(names(&listed), ["external", "settings"]);
    assert_eq!(listed[0]["data"]["from"], "etcd");
    // Foreign data under the prefix is left out, not a failure.
    gateway::post(
        &endpoint,
        "/v3/kv/put",
        &json!({"key": base64_of("/registry/configmaps/dev/proto"), "value": base64_of("k8s\u{0}binary")}),
    );
    let marker = store.create(&key(Some("dev"), "zz"), object("zz")).unwrap();
    assert_eq!(store.revision().unwrap(), revision_of(&marker));
    assert_eq!(
        names(&store.list_all(&scope(Some("dev"))).unwrap().items),
        ["external", "settings", "zz"]
    );
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Polls `check` until it gives a value (at most 10 s).
fn wait_for<T>(mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "not within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn killing_the_leader_during_writes_loses_no_acknowledged_write() {
    let mut cluster = EtcdCluster::start(3);
    let store = Arc::new(connect(&cluster, "/registry"));
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..2)
        .map(|t| {
            let store = store.clone();
            let acknowledged = acknowledged.clone();
            std::thread::spawn(move || {
                let mut failed = Vec::new();
                for i in 0..80 {
                    let name = format!("w{t}-{i:03}");
                    match store.create(&key(Some("load"), &name), object("o")) {
                        Ok(stored) => acknowledged
                            .lock()
                            .unwrap()
                            .push((key(Some("load"), &name), stored)),
                        Err(StoreError::Backend(_)) => failed.push(name),
                        Err(other) => panic!("{other:?}"),
                    }
                }
                failed
            })
        })
        .collect();
    while acknowledged.lock().unwrap().len() < 40 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let leader = (0..3)
        .find(|&m| gateway::is_leader(&cluster.endpoint(m)))
        .expect("a leader");
    cluster.kill(leader);
    let failed: Vec<String> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let failures = failed.len();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert_eq!(acknowledged.len() + failures, 160);
    assert!(
        acknowledged.len() > 120,
        "the rest keep answering: {failures} writes failed"
    );

    // Every acknowledged write is there, at its revision: through the store, and through a
    // store that connects to the surviving members afresh.
    let survivors: Vec<String> = (0..3)
        .filter(|&m| m != leader)
        .map(|m| cluster.endpoint(m))
        .collect();
    let fresh = EtcdStore::connect(EtcdOptions {
        servers: survivors,
        ..etcd_options(&cluster, "/registry")
    })
    .unwrap();
    for (key, stored) in &acknowledged {
        assert_eq!(store.get(key).unwrap().as_ref(), Some(stored), "{key:?}");
        assert_eq!(fresh.get(key).unwrap().as_ref(), Some(stored), "{key:?}");
    }
    // Writes and reads go on with two members, and after the third is back.
    let after = store
        .create(&key(Some("load"), "after"), object("o"))
        .unwrap();
    assert_eq!(
        wait_for(|| fresh.get(&key(Some("load"), "after")).unwrap()),
        after
    );
    cluster.restart(leader);
    let back = store
        .create(&key(Some("load"), "back"), object("o"))
        .unwrap();
    // Listed: the acknowledged writes, `after`, `back`, and writes that failed with etcd's
    // answer lost (they may have been applied, and were not sent again).
    let applied_anyway = failed
        .iter()
        .filter(|name| store.get(&key(Some("load"), name)).unwrap().is_some())
        .count();
    assert_eq!(
        store.list_all(&scope(Some("load"))).unwrap().items.len(),
        acknowledged.len() + 2 + applied_anyway
    );
    assert_eq!(
        gateway::get(&cluster.endpoint(leader), "/registry/configmaps/load/back")
            .map(|(_, revision)| revision),
        Some(revision_of(&back))
    );
}

#[test]
fn tls_with_client_certificates() {
    let cluster = EtcdCluster::start_tls(1);
    let tls = cluster.client_tls().unwrap().clone();
    let store = EtcdStore::connect(EtcdOptions {
        tls: Some(EtcdTls {
            ca_pem: Some(tls.ca_pem.clone()),
            identity: Some((tls.cert_pem.clone(), tls.key_pem.clone())),
        }),
        ..etcd_options(&cluster, "/registry")
    })
    .unwrap();
    let stored = store.create(&key(None, "x"), object("x")).unwrap();
    assert_eq!(store.get(&key(None, "x")).unwrap(), Some(stored));

    // Without a client certificate etcd refuses the connection: a clear error, in time.
    let started = Instant::now();
    let refused = EtcdStore::connect(EtcdOptions {
        tls: Some(EtcdTls {
            ca_pem: Some(tls.ca_pem),
            identity: None,
        }),
        request_timeout: Duration::from_secs(2),
        ..etcd_options(&cluster, "/registry")
    });
    let Err(StoreError::Backend(message)) = refused else {
        panic!("connected without a client certificate")
    };
    assert!(
        message.starts_with(&format!("cannot reach etcd at {}: ", cluster.endpoint(0))),
        "{message}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn an_unreachable_cluster_is_a_clear_error_in_time() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let refused = EtcdStore::connect(EtcdOptions {
        request_timeout: Duration::from_secs(1),
        ..EtcdOptions::new(vec![server.clone()])
    });
    let Err(StoreError::Backend(message)) = refused else {
        panic!("connected to nothing")
    };
    assert!(
        message.starts_with(&format!("cannot reach etcd at {server}: ")),
        "{message}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let Err(StoreError::Backend(message)) = EtcdStore::connect(EtcdOptions::new(Vec::new())) else {
        panic!("no servers")
    };
    assert_eq!(message, "etcd: no servers given");
}

#[test]
fn the_compactor_compacts_the_history_of_an_interval_ago() {
    let cluster = EtcdCluster::start(3);
    let store = EtcdStore::connect(EtcdOptions {
        compaction_interval: Duration::from_millis(300),
        ..etcd_options(&cluster, "/registry")
    })
    .unwrap();
    let early = store.create(&key(None, "a"), object("a")).unwrap();
    store.create(&key(None, "b"), object("b")).unwrap();
    let gone = wait_for(|| {
        let read = store.list(
            &scope(None),
            &ListOptions {
                revision: ReadRevision::Exact(revision_of(&early)),
                ..ListOptions::default()
            },
        );
        match read {
            Err(StoreError::Gone { requested, oldest }) => Some((requested, oldest)),
            Ok(_) => None,
            Err(other) => panic!("{other:?}"),
        }
    });
    assert_eq!(gone.0, revision_of(&early));
    assert!(gone.1 > revision_of(&early));
    // The rounds are counted in kube-apiserver's key, outside the prefix.
    assert!(gateway::version(&cluster.endpoint(0), "compact_rev_key") >= 2);
    assert_eq!(
        names(&store.list_all(&scope(None)).unwrap().items),
        ["a", "b"]
    );
    let counter = key(None, "n");
    store
        .create(&counter, json!({"metadata": {}, "n": 1}))
        .unwrap();
    let changed = store
        .modify(&counter, |mut o| {
            o["n"] = json!(2);
            Ok::<_, StoreError>(o)
        })
        .unwrap();
    assert_eq!(changed["n"], 2);
}
