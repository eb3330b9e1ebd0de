//! Paths of a kubeconfig resolve as kubectl resolves them.

use std::path::{Path, PathBuf};

use super::*;

#[test]
fn relative_paths_are_relative_to_the_kubeconfig() {
    let kubeconfig = Path::new("/home/u/.kube/config");
    assert_eq!(
        relative_to(kubeconfig, "bin/plugin"),
        PathBuf::from("/home/u/.kube/bin/plugin")
    );
    assert_eq!(
        relative_to(kubeconfig, "/usr/bin/kubectl"),
        PathBuf::from("/usr/bin/kubectl")
    );
}

#[test]
fn an_exec_plugin_needs_a_known_api_version() {
    let exec = serde_json::json!({"command": "true", "apiVersion": "client.authentication.k8s.io/v1alpha1"});
    let error = run_exec(Path::new("/nonexistent/config"), &exec, None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "exec plugin: invalid apiVersion \"client.authentication.k8s.io/v1alpha1\" (client.authentication.k8s.io/v1 or v1beta1)"
    );
}
