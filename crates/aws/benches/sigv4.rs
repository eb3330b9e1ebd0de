//! The cost of verifying a presigned `GetCallerIdentity` (what the local STS does for every
//! uncached IAM token): reading the signature and signing the request again with `aws-sigv4`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kubeward_aws::sigv4::{Incoming, read_signature, verify};

fn bench(c: &mut Criterion) {
    let fixtures: serde_json::Value =
        serde_json::from_str(include_str!("../src/sigv4/botocore.json")).unwrap();
    let url = fixtures["presigned_url"].as_str().unwrap();
    let (host, query) = url
        .strip_prefix("https://")
        .unwrap()
        .split_once("/?")
        .unwrap();
    let headers = vec![
        ("host".to_string(), host.to_string()),
        ("x-k8s-aws-id".to_string(), "myeks".to_string()),
    ];
    let request = Incoming {
        method: "GET",
        host,
        path: "/",
        query,
        headers: &headers,
        body: b"",
    };
    c.bench_function("sigv4: verify a presigned GetCallerIdentity", |b| {
        b.iter(|| {
            let signature = read_signature(black_box(&request)).unwrap().unwrap();
            verify(
                &request,
                &signature,
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                None,
            )
            .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
