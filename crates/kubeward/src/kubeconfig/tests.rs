//! The kubeconfig parses back with kubeadm's layout and the embedded data decodes.

use super::*;

#[test]
fn renders_kubeadm_layout_with_embedded_data() {
    let yaml = render(&KubeconfigSpec {
        cluster_name: "kubernetes",
        server: "https://127.0.0.1:6443",
        ca_pem: "CA PEM\n",
        user_name: "kubernetes-admin",
        client_certificate_pem: "CERT PEM\n",
        client_key_pem: "KEY PEM\n",
    })
    .expect("renders");
    let value: serde_json::Value = serde_saphyr::from_str(&yaml).expect("parses back");
    assert_eq!(value["kind"], "Config");
    assert_eq!(
        value["current-context"],
        "default/kubernetes/kubernetes-admin"
    );
    assert_eq!(
        value["contexts"][0]["name"],
        "default/kubernetes/kubernetes-admin"
    );
    assert_eq!(value["contexts"][0]["context"]["cluster"], "kubernetes");
    assert_eq!(value["contexts"][0]["context"]["user"], "kubernetes-admin");
    assert_eq!(
        value["clusters"][0]["cluster"]["server"],
        "https://127.0.0.1:6443"
    );
    let decode = |v: &serde_json::Value| {
        String::from_utf8(
            STANDARD
                .decode(v.as_str().expect("a string"))
                .expect("base64"),
        )
        .expect("utf-8")
    };
    assert_eq!(
        decode(&value["clusters"][0]["cluster"]["certificate-authority-data"]),
        "CA PEM\n"
    );
    assert_eq!(
        decode(&value["users"][0]["user"]["client-certificate-data"]),
        "CERT PEM\n"
    );
    assert_eq!(
        decode(&value["users"][0]["user"]["client-key-data"]),
        "KEY PEM\n"
    );
}

#[test]
fn the_second_field_of_the_context_name_is_the_cluster() {
    // Seed 002: `kubectl config current-context | cut -d/ -f2`.
    let name = context_name("kubernetes", "kubernetes-admin");
    assert_eq!(name.split('/').nth(1), Some("kubernetes"));
}
