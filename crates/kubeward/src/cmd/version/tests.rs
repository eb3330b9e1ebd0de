//! The version lines.

use super::*;

#[test]
fn the_emulated_version_is_the_servers_git_version() {
    assert!(kubeward_server::VERSION_JSON.contains(&format!("\"{}-kubeward\"", kubernetes())));
    assert!(kubernetes().starts_with("v1."), "{}", kubernetes());
    assert_eq!(
        line(),
        format!(
            "{} (Kubernetes {})",
            env!("CARGO_PKG_VERSION"),
            kubernetes()
        )
    );
    assert!(text().starts_with(&format!("kubeward {}\n", env!("CARGO_PKG_VERSION"))));
}
