use super::*;

fn facts() -> HostFacts {
    HostFacts {
        cpus: 2,
        memory_kib: 24_000_000,
        kernel_version: "6.1.0".into(),
        os_image: "Debian GNU/Linux 13 (trixie)".into(),
        machine_id: "m".into(),
        boot_id: "b".into(),
        architecture: go_arch("x86_64").into(),
    }
}

#[test]
fn the_node_reports_ready_its_version_address_and_kubelet_port() {
    let now = Timestamp::from_second(1_700_000_000).unwrap();
    let node = node("lab", &facts(), 10250, now);
    let status = node.status.unwrap();
    let ready = status
        .conditions
        .unwrap()
        .into_iter()
        .find(|c| c.type_ == "Ready")
        .unwrap();
    assert_eq!(
        (
            ready.status.as_str(),
            ready.reason.as_deref(),
            ready.message.as_deref()
        ),
        (
            "True",
            Some("KubeletReady"),
            Some("kubelet is posting ready status")
        )
    );
    assert_eq!(status.node_info.unwrap().kubelet_version, "v1.33.0");
    assert_eq!(status.addresses.unwrap()[0].address, "127.0.0.1");
    assert_eq!(
        status
            .daemon_endpoints
            .unwrap()
            .kubelet_endpoint
            .unwrap()
            .port,
        10250
    );
    let labels = node.metadata.labels.unwrap();
    assert_eq!(labels["kubernetes.io/hostname"], "lab");
    assert_eq!(labels["kubernetes.io/arch"], "amd64");
    let json = serde_json::to_value(&node.metadata.name).unwrap();
    assert_eq!(json, "lab");
}

#[test]
fn the_lease_is_held_by_the_node_and_owned_by_it() {
    let now = Timestamp::from_second(1_700_000_000).unwrap();
    let lease = lease("lab", "uid-1", now);
    let json = serde_json::to_value(&lease).unwrap();
    assert_eq!(json["metadata"]["namespace"], "kube-node-lease");
    assert_eq!(json["metadata"]["ownerReferences"][0]["uid"], "uid-1");
    assert_eq!(json["spec"]["holderIdentity"], "lab");
    assert_eq!(json["spec"]["leaseDurationSeconds"], 40);
    assert_eq!(json["spec"]["renewTime"], "2023-11-14T22:13:20.000000Z");
}
