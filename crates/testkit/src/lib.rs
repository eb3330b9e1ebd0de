//! What kubeward's end-to-end tests share (a dev-dependency only):
//!
//! - `process`: a child process started on a port it chooses itself, ready once it prints a line
//!   saying so (no free port picked by binding and releasing one), killed when dropped;
//! - `cluster`: a real `kubeward up` in a temporary data directory, with kubeconfigs for the
//!   admin, an x509 user, a token user and the OIDC user, and kubectl of any installed version;
//! - `receiver`: an HTTP receiver on loopback that keeps what is posted to it (audit webhooks)
//!   and fails the first requests when told to;
//! - `golden`: the captures of a real kube-apiserver in `../shared/golden`, run against a cluster
//!   with the captures' variables and compared through one masking function;
//! - `etcd`: an etcd cluster of any size on loopback (Debian's etcd-server), for the store's
//!   conformance suite and the replicas' tests.
#![forbid(unsafe_code)]

pub mod cluster;
pub mod etcd;
pub mod golden;
pub mod process;
pub mod receiver;

use std::path::PathBuf;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `kubeward` binary cargo built for the tests.
pub fn kubeward_binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("kubeward")
}

/// The kubectl every machine has.
pub const KUBECTL: &str = "/usr/bin/kubectl";

/// kubectl 1.`minor` (27 … 33) from the Cloud SDK.
pub fn kubectl_version(minor: u32) -> PathBuf {
    PathBuf::from(format!("/usr/lib/google-cloud-sdk/bin/kubectl.1.{minor}"))
}
