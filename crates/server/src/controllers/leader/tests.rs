use std::sync::Arc;
use std::time::{Duration, Instant};

use kubeward_store::{RedbStore, Store};
use serde_json::{Value, json};

use crate::config::LeaderElection;
use crate::test_support::TestServer;

/// Short durations, so that a hand-over happens within a test.
const FAST: LeaderElection = LeaderElection {
    lease_duration: Duration::from_millis(1500),
    renew_deadline: Duration::from_millis(1000),
    retry_period: Duration::from_millis(200),
};

const LEASE: &str =
    "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager";

/// Waits (at most 20 s) until `check` gives a value.
async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "{what}: not within 20 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn lease(server: &TestServer) -> Option<Value> {
    let answer = server
        .request("GET", LEASE, Some(crate::test_support::ADMIN), None)
        .await;
    (answer.code == 200).then(|| answer.json())
}

async fn default_account(server: &TestServer, namespace: &str) -> bool {
    let path = format!("/api/v1/namespaces/{namespace}/serviceaccounts/default");
    server
        .request("GET", &path, Some(crate::test_support::ADMIN), None)
        .await
        .code
        == 200
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_replica_leads_and_another_takes_over_when_it_dies() {
    let store: Arc<dyn Store> = Arc::new(RedbStore::in_memory().unwrap());
    let a = TestServer::replica(store.clone(), Some(FAST)).await;
    let b = TestServer::replica(store.clone(), Some(FAST)).await;
    let ids = [
        a.identity().unwrap().to_string(),
        b.identity().unwrap().to_string(),
    ];
    assert_ne!(ids[0], ids[1]);

    // One of them holds the Lease, which kubectl can read like any other.
    let held = eventually("a holder", async || {
        lease(&a)
            .await
            .filter(|l| l["spec"]["holderIdentity"].is_string())
    })
    .await;
    let holder = held["spec"]["holderIdentity"].as_str().unwrap().to_string();
    assert!(ids.contains(&holder), "{held}");
    assert_eq!(held["spec"]["leaseDurationSeconds"], 1);
    assert_eq!(held["spec"]["leaseTransitions"], 0);
    assert!(held["metadata"]["uid"].is_string());

    // The leader's controllers act on writes made through either replica.
    let (leader, follower) = if holder == ids[0] { (a, b) } else { (b, a) };
    follower
        .admin(
            "POST",
            "/api/v1/namespaces",
            Some(&json!({"metadata": {"name": "team-a"}})),
        )
        .await;
    eventually("team-a's default ServiceAccount", async || {
        default_account(&follower, "team-a").await.then_some(())
    })
    .await;

    // The leader goes away (it may give the Lease up on its way out, or leave it to expire);
    // the other takes over.
    drop(leader);
    follower
        .admin(
            "POST",
            "/api/v1/namespaces",
            Some(&json!({"metadata": {"name": "team-b"}})),
        )
        .await;
    let taken = eventually("the hand-over", async || {
        lease(&follower)
            .await
            .filter(|l| l["spec"]["holderIdentity"] == json!(follower.identity()))
    })
    .await;
    assert_eq!(taken["spec"]["leaseTransitions"], 1);
    // What was written while nobody led is done by the new leader.
    eventually("team-b's default ServiceAccount", async || {
        default_account(&follower, "team-b").await.then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_lone_server_runs_every_controller_without_a_lease() {
    let server = TestServer::start().await;
    assert_eq!(server.identity(), None);
    server
        .admin(
            "POST",
            "/api/v1/namespaces",
            Some(&json!({"metadata": {"name": "solo"}})),
        )
        .await;
    eventually("solo's default ServiceAccount", async || {
        default_account(&server, "solo").await.then_some(())
    })
    .await;
    assert_eq!(lease(&server).await, None);
}
