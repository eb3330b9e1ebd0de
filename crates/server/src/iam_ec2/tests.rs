//! The rate limit, the signature's headers, and lookups against an EC2 stand-in: batched,
//! one call at a time, an unknown id answered with the authenticator's message.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::*;

#[test]
fn the_bucket_allows_a_burst_then_the_rate() {
    let start = Instant::now();
    let mut bucket = Bucket::new(15, 5);
    for _ in 0..5 {
        assert_eq!(bucket.take(start), Duration::ZERO);
    }
    let wait = bucket.take(start);
    assert!((wait.as_secs_f64() - 1.0 / 15.0).abs() < 1e-9, "{wait:?}");
    // A second later the bucket is full again (5 at most).
    let later = start + Duration::from_secs(10);
    for _ in 0..4 {
        assert_eq!(bucket.take(later), Duration::ZERO);
    }
}

fn settings(endpoint: &str) -> Ec2Settings {
    Ec2Settings {
        endpoint: endpoint.into(),
        region: "ap-northeast-2".into(),
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        session_token: None,
    }
}

#[test]
fn requests_are_signed_for_ec2_in_the_region() {
    let at = UNIX_EPOCH + Duration::from_secs(1_796_385_600); // 2026-12-04T12:00:00Z
    let headers = signed_headers(
        &settings("https://ec2.ap-northeast-2.amazonaws.com"),
        "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-12345678",
        at,
    )
    .unwrap();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} in {headers:?}"))
    };
    assert_eq!(get("x-amz-date"), "20261204T120000Z");
    assert!(
        get("authorization").starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261204/ap-northeast-2/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="
        ),
        "{}",
        get("authorization")
    );
    let mut temporary = settings("https://127.0.0.1:4599");
    temporary.session_token = Some("IQoJb3JpZ2luX2VjEXAMPLE".into());
    let headers = signed_headers(&temporary, "Action=DescribeInstances", at).unwrap();
    assert!(
        headers
            .iter()
            .any(|(n, v)| n == "x-amz-security-token" && v == "IQoJb3JpZ2luX2VjEXAMPLE")
    );
}

/// An EC2 stand-in (plain HTTP): instances `i-00000000`…`i-00000999` are known; one unknown id
/// fails the call with `InvalidInstanceID.NotFound`, as EC2 does. It records each call's ids.
struct FakeEc2 {
    url: String,
    calls: Arc<std::sync::Mutex<Vec<Vec<String>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeEc2 {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn known(id: &str) -> bool {
    id.strip_prefix("i-0000")
        .is_some_and(|n| n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()))
}

fn answer(ids: &[String]) -> (u16, String) {
    let unknown: Vec<&String> = ids.iter().filter(|id| !known(id)).collect();
    if let Some(id) = unknown.first() {
        return (
            400,
            format!(
                "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID '{id}' does not exist</Message></Error></Errors><RequestID>r</RequestID></Response>"
            ),
        );
    }
    let items: String = ids
        .iter()
        .map(|id| {
            format!(
                "<item><instanceId>{id}</instanceId><privateDnsName>ip-10-0-0-{}.ap-northeast-2.compute.internal</privateDnsName></item>",
                &id[6..]
            )
        })
        .collect();
    (
        200,
        format!(
            "<DescribeInstancesResponse><requestId>r</requestId><reservationSet><item><instancesSet>{items}</instancesSet></item></reservationSet></DescribeInstancesResponse>"
        ),
    )
}

impl FakeEc2 {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
        let recorded = calls.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 8192];
                    loop {
                        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&request[..end]).to_lowercase();
                            let length: usize = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length: "))
                                .and_then(|v| v.trim().parse().ok())
                                .unwrap_or(0);
                            if request.len() >= end + 4 + length {
                                assert!(head.contains("authorization: aws4-hmac-sha256 credential=akiaiosfodnn7example/"));
                                let body = &request[end + 4..end + 4 + length];
                                let params: Vec<(String, String)> =
                                    serde_urlencoded::from_bytes(body).unwrap();
                                let ids: Vec<String> = params
                                    .into_iter()
                                    .filter(|(k, _)| k.starts_with("InstanceId."))
                                    .map(|(_, v)| v)
                                    .collect();
                                recorded.lock().unwrap().push(ids.clone());
                                let (status, body) = answer(&ids);
                                let reply = format!(
                                    "HTTP/1.1 {status} X\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\r\n{body}",
                                    body.len()
                                );
                                let _ = socket.write_all(reply.as_bytes()).await;
                                request.drain(..end + 4 + length);
                                continue;
                            }
                        }
                        match socket.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buffer[..n]),
                        }
                    }
                });
            }
        });
        Self { url, calls, task }
    }
}

#[tokio::test]
async fn concurrent_lookups_are_batched_and_an_unknown_instance_fails_alone() {
    let ec2 = FakeEc2::start().await;
    let resolver = Ec2Resolver::new(settings(&ec2.url), reqwest::Client::new());
    let lookups: Vec<_> = (0..150)
        .map(|n| {
            let resolver = resolver.clone();
            tokio::spawn(async move {
                let id = format!("i-0000{:04}", n % 120);
                (n % 120, resolver.private_dns_name(&id).await)
            })
        })
        .collect();
    for lookup in lookups {
        let (n, answer) = lookup.await.unwrap();
        assert_eq!(
            answer.unwrap(),
            format!("ip-10-0-0-{n:04}.ap-northeast-2.compute.internal")
        );
    }
    let calls = ec2.calls.lock().unwrap().clone();
    assert!(calls.iter().all(|ids| !ids.is_empty() && ids.len() <= 100));
    assert!(calls.len() < 120, "{} calls for 120 instances", calls.len());

    // One unknown id among known ones: EC2 fails the batch, each id is asked alone.
    let unknown = resolver.clone();
    let (bad, good) = tokio::join!(
        unknown.private_dns_name("i-0123456789abcdef0"),
        resolver.private_dns_name("i-00000500")
    );
    assert_eq!(
        bad.unwrap_err(),
        "failed querying private DNS from EC2 API for node i-0123456789abcdef0: InvalidInstanceID.NotFound: The instance ID 'i-0123456789abcdef0' does not exist "
    );
    assert_eq!(
        good.unwrap(),
        "ip-10-0-0-0500.ap-northeast-2.compute.internal"
    );
}
