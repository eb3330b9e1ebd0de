use serde_json::json;
use time::macros::datetime;

use super::*;

#[test]
fn ingress_rows_follow_print_ingress() {
    let now = datetime!(2026-11-22 10:00:00 UTC);
    let ingress = json!({"metadata": {"name": "i"}, "spec": {
        "ingressClassName": "nginx",
        "rules": [{"host": "a.example"}, {"host": "b.example"}],
        "tls": [{"hosts": ["a.example"]}],
    }, "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.9"}]}}});
    let cells = ingress_cells(&ingress, now);
    assert_eq!(
        cells[1..5],
        [
            json!("nginx"),
            json!("a.example,b.example"),
            json!("10.0.0.9"),
            json!("80, 443")
        ]
    );
}

#[test]
fn network_policies_default_their_types() {
    let mut policy = json!({"spec": {"egress": [{"ports": [{"port": 53}]}]}});
    NetworkPolicyStrategy::defaults(&mut policy);
    assert_eq!(policy["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
    assert_eq!(policy["spec"]["egress"][0]["ports"][0]["protocol"], "TCP");
    assert_eq!(policy["spec"]["podSelector"], json!({}));
}

#[test]
fn ip_addresses_are_named_by_a_canonical_address() {
    let named = |name: &str| json!({"metadata": {"name": name}});
    assert!(IpAddressStrategy.validate(&named("10.0.0.1")).is_empty());
    assert_eq!(IpAddressStrategy.validate(&named("x")).len(), 1);
    assert_eq!(
        IpAddressStrategy.validate(&named("2001:db8:0::1"))[0].detail,
        "must be a canonical format IP address"
    );
}
