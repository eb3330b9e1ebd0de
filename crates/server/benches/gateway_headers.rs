//! The gateway's own per-request header work, without I/O: the client's headers filtered for
//! the upstream (hop-by-hop, credentials and `Impersonate-*` dropped), the user's
//! `Impersonate-*` headers built (a user of a few groups, and one with a uid and extras), and
//! the upstream's response headers filtered — what `handlers::proxy` does on every request
//! besides sending it.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use kubeward_core::UserInfo;
use kubeward_server::{
    forwarded_request_headers, forwarded_response_headers, impersonation_headers,
};

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

/// What kubectl sends for `kubectl get pods` (HTTP/2: no `Connection`).
fn kubectl_request() -> HeaderMap {
    headers(&[
        (
            "accept",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
        ),
        (
            "user-agent",
            "kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0",
        ),
        ("kubectl-command", "kubectl get"),
        ("kubectl-session", "0a2c7f3e-5a55-4a5e-9d3b-51a0c8f1d1b2"),
        (
            "authorization",
            "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJtaW5qdW4ifQ.c2lnbmF0dXJl",
        ),
        ("accept-encoding", "gzip"),
    ])
}

/// What kubeward's API server answers to a list.
fn upstream_response() -> HeaderMap {
    headers(&[
        ("audit-id", "3f1c2b9e-8f0a-4c1e-9d7b-2a6e5f4c3b2a"),
        ("cache-control", "no-cache, private"),
        ("content-type", "application/json"),
        (
            "x-kubernetes-pf-flowschema-uid",
            "b8a1e3c2-1f4d-4e5a-9c7b-0d2e3f4a5b6c",
        ),
        (
            "x-kubernetes-pf-prioritylevel-uid",
            "c9b2f4d3-2e5a-4f6b-8d9c-1e3f4a5b6c7d",
        ),
        ("date", "Sat, 05 Dec 2026 14:00:00 GMT"),
        ("content-length", "1234"),
    ])
}

fn bench(c: &mut Criterion) {
    let request = kubectl_request();
    let response = upstream_response();
    let plain = UserInfo::new("minjun", ["developers", "team-a", "system:authenticated"]);
    let mut rich = UserInfo::new("minjun@example.com", ["developers", "system:authenticated"]);
    rich.uid = "8d4f6a2e-1b3c-4d5e-9f0a-7b8c9d0e1f2a".into();
    rich.extra = BTreeMap::from([
        (
            "scopes.example.com/reason".to_string(),
            vec!["on-call".to_string()],
        ),
        (
            "authentication.kubernetes.io/credential-id".to_string(),
            vec!["JTI=abc".to_string()],
        ),
    ]);

    let mut group = c.benchmark_group("gateway_headers");
    group.bench_function("request headers filtered", |b| {
        b.iter(|| forwarded_request_headers(black_box(&request), false))
    });
    group.bench_function("impersonation headers, 3 groups", |b| {
        b.iter(|| impersonation_headers(black_box(&plain)))
    });
    group.bench_function("impersonation headers, uid and 2 extras", |b| {
        b.iter(|| impersonation_headers(black_box(&rich)))
    });
    group.bench_function("response headers filtered", |b| {
        b.iter(|| forwarded_response_headers(black_box(&response), false))
    });
    group.bench_function("whole request rewrite", |b| {
        b.iter(|| {
            let mut out = forwarded_request_headers(black_box(&request), false);
            out.extend(impersonation_headers(black_box(&plain)));
            out
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
