use std::collections::HashSet;

use serde_json::{Value, json};

use super::*;
use crate::test_support::{ADMIN, TestServer};

const SERVICES: &str = "/api/v1/namespaces/default/services";

fn service(name: &str, spec: Value) -> Value {
    json!({"metadata": {"name": name}, "spec": spec})
}

#[tokio::test]
async fn a_service_gets_kube_apiservers_defaults_and_a_cluster_ip_of_the_range() {
    let server = TestServer::start().await;
    let created = server
        .admin(
            "POST",
            SERVICES,
            Some(&service(
                "web",
                json!({"selector": {"app": "web"}, "ports": [{"port": 80}]}),
            )),
        )
        .await;
    let spec = &created["spec"];
    assert_eq!(spec["type"], "ClusterIP");
    assert_eq!(spec["sessionAffinity"], "None");
    assert_eq!(spec["internalTrafficPolicy"], "Cluster");
    assert_eq!(spec["ipFamilyPolicy"], "SingleStack");
    assert_eq!(spec["ipFamilies"], json!(["IPv4"]));
    assert_eq!(
        spec["ports"],
        json!([{"port": 80, "protocol": "TCP", "targetPort": 80}])
    );
    let ip: Ipv4Addr = spec["clusterIP"].as_str().unwrap().parse().unwrap();
    assert!((RANGE_BASE + 2..RANGE_BASE + RANGE_SIZE - 1).contains(&u32::from(ip)));
    assert_eq!(spec["clusterIPs"], json!([ip.to_string()]));
    assert_eq!(created["status"], json!({"loadBalancer": {}}));

    // A replacement that leaves the address out keeps it.
    let mut replacement = created.clone();
    replacement["spec"]
        .as_object_mut()
        .unwrap()
        .retain(|k, _| k == "ports" || k == "selector");
    let updated = server
        .admin("PUT", &format!("{SERVICES}/web"), Some(&replacement))
        .await;
    assert_eq!(updated["spec"]["clusterIP"], ip.to_string());
}

#[tokio::test]
async fn node_ports_are_allocated_and_a_taken_or_foreign_cluster_ip_is_refused() {
    let server = TestServer::start().await;
    let created = server
        .admin(
            "POST",
            SERVICES,
            Some(&service(
                "np",
                json!({"type": "NodePort", "clusterIP": "10.96.0.10", "ports": [{"port": 80}, {"port": 443}]}),
            )),
        )
        .await;
    let ports: HashSet<i64> = created["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["nodePort"].as_i64().unwrap())
        .collect();
    assert_eq!(ports.len(), 2);
    assert!(ports.iter().all(|p| NODE_PORTS.contains(p)));
    assert_eq!(created["spec"]["externalTrafficPolicy"], "Cluster");

    for (ip, reason) in [
        ("10.96.0.10", "provided IP is already allocated"),
        ("10.96.0.1", "provided IP is already allocated"),
        (
            "192.168.1.1",
            "the provided network does not match the current range",
        ),
    ] {
        let answer = server
            .request(
                "POST",
                SERVICES,
                Some(ADMIN),
                Some(&service(
                    "other",
                    json!({"clusterIP": ip, "ports": [{"port": 80}]}),
                )),
            )
            .await;
        assert_eq!(answer.code, 422, "{}", answer.text());
        assert_eq!(
            answer.json()["message"],
            format!(
                "Service \"other\" is invalid: spec.clusterIPs: Invalid value: [\"{ip}\"]: \
                 failed to allocate IP {ip}: {reason}"
            )
        );
    }
}

#[test]
fn a_free_address_is_never_a_taken_one() {
    let taken: HashSet<u32> = (RANGE_BASE..RANGE_BASE + 1000).collect();
    for _ in 0..100 {
        let ip = u32::from(free_ip(&taken).unwrap());
        assert!(!taken.contains(&ip));
        assert!(ip < RANGE_BASE + RANGE_SIZE - 1);
    }
}
