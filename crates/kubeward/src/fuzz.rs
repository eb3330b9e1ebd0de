//! Fuzz targets of the kubeconfig files kubeward reads and writes (`docs/fuzzing.md`): any
//! text read as a kubeconfig (`--kubeconfig` of `rbac` and `auth explain`) parses or is refused,
//! and the kubeconfigs kubeward writes (`user add`, `up`) read back as they were meant, whatever
//! names and URLs they carry — no value can break out of its YAML field.
//!
//! Each target is a bolero harness that runs as an ordinary test on the stable toolchain: it
//! replays its corpus (`src/__fuzz__/<target>/corpus`), then generates random inputs for a
//! bounded time; `cargo bolero test` runs it under libFuzzer or AFL for as long as one wants.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kube::config::Kubeconfig;

use crate::kubeconfig::{KubeconfigSpec, render};

/// How long a target generates random inputs in a normal test run, after its corpus
/// (`BOLERO_RANDOM_TEST_TIME_MS` overrides it for a longer run).
const RANDOM_TIME: Duration = Duration::from_millis(1500);

/// Any text parses as a kubeconfig or is refused, never a panic.
#[test]
fn kubeconfig_read() {
    bolero::check!(name = "kubeconfig_read")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            if let Ok(text) = std::str::from_utf8(input) {
                let _ = Kubeconfig::from_yaml(text);
            }
        });
}

/// A written kubeconfig (its six values from the input, split at NUL bytes) reads back with
/// the same cluster, server, user, context and embedded certificates.
#[test]
fn kubeconfig_written() {
    bolero::check!(name = "kubeconfig_written")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let text = String::from_utf8_lossy(input);
            let mut values = text.split('\0');
            let mut next = || values.next().unwrap_or_default();
            let spec = KubeconfigSpec {
                cluster_name: next(),
                server: next(),
                ca_pem: next(),
                user_name: next(),
                client_certificate_pem: next(),
                client_key_pem: next(),
            };
            let rendered = render(&spec).expect("a kubeconfig renders");
            let read = Kubeconfig::from_yaml(&rendered).expect("a written kubeconfig reads");
            let cluster = read.clusters[0].cluster.as_ref().expect("a cluster");
            assert_eq!(read.clusters[0].name, spec.cluster_name);
            assert_eq!(cluster.server.as_deref(), Some(spec.server));
            let ca = cluster
                .certificate_authority_data
                .as_deref()
                .unwrap_or_default();
            assert_eq!(
                STANDARD.decode(ca).ok(),
                Some(spec.ca_pem.as_bytes().to_vec())
            );
            assert_eq!(read.auth_infos[0].name, spec.user_name);
            let context = read.contexts[0].context.as_ref().expect("a context");
            assert_eq!(context.cluster, spec.cluster_name);
            assert_eq!(context.user.as_deref(), Some(spec.user_name));
            assert_eq!(
                read.current_context.as_deref(),
                Some(read.contexts[0].name.as_str())
            );
        });
}
