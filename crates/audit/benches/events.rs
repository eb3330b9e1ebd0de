//! What auditing costs a request on its own thread: the policy's decision (Metadata for every
//! request, and the Kubernetes documentation's example policy, which walks several rules), and a
//! SelfSubjectAccessReview's record at level Metadata — started, its `RequestReceived` event
//! written, authorized, answered, its `ResponseComplete` event written — into a sink that copies
//! each event into a reused buffer, as the log's batch does. Also the encoding of one whole
//! `Event` (what decoding and re-encoding a log costs); and the details an event is made of:
//! JSON strings escaped as Go writes them (plain ASCII, Korean, and text full of escapes) and
//! timestamps (computed from the calendar, or copied from a known one in the same second).

use std::cell::RefCell;
use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use kubeward_audit::source_ips::SourceIps;
use kubeward_audit::{EventJson, Policy, Recorder, Request, Response, Sink, load, timestamp};
use kubeward_core::go::write_json_string;
use kubeward_core::{RequestInfo, UserInfo};

const EXAMPLE_POLICY: &str = include_str!("../src/load/audit-policy.yaml");
const SSAR: &str = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

/// Copies each event into one buffer, cleared when it grows past 1 MiB.
#[derive(Default)]
struct Copying(RefCell<Vec<u8>>);

impl Sink for Copying {
    fn process(&self, event: EventJson<'_>) -> bool {
        let mut buffer = self.0.borrow_mut();
        if buffer.len() > 1 << 20 {
            buffer.clear();
        }
        buffer.extend_from_slice(event.as_str().as_bytes());
        buffer.push(b'\n');
        true
    }
}

fn policy(yaml: &str) -> Policy {
    load::parse(yaml.as_bytes()).expect("a policy").policy
}

fn user() -> UserInfo {
    UserInfo::new("bench-user", ["bench", "system:authenticated"])
}

fn request(source_ips: SourceIps) -> Request<'static> {
    Request {
        audit_id: "d2aff3af-0d70-4d9f-b3d7-7ff91d3727af",
        request_uri: SSAR,
        source_ips,
        user_agent: "oha/1.4.5",
        received: UNIX_EPOCH + Duration::from_micros(1_795_263_830_000_123),
        long_running: false,
    }
}

fn record(policy: &Policy, info: &RequestInfo, user: &UserInfo, sink: &Copying) {
    let Some(mut recorder) = Recorder::start(
        policy,
        request(SourceIps::One([127, 0, 0, 1].into())),
        info,
        Some(user),
    ) else {
        return;
    };
    let now = UNIX_EPOCH + Duration::from_micros(1_795_263_830_000_456);
    recorder.request_received(sink);
    recorder.authorized(true, "");
    recorder.response_started(Response::code(201), now, sink);
    recorder.response_complete(now, sink);
}

fn benches(c: &mut Criterion) {
    let info = RequestInfo::parse("POST", SSAR, "").expect("a request");
    let pods = RequestInfo::parse("GET", "/api/v1/namespaces/bench/pods/web-0", "").expect("ok");
    let user = user();
    let metadata = policy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n");
    let example = policy(EXAMPLE_POLICY);

    let mut group = c.benchmark_group("policy");
    group.bench_function("metadata for everything", |b| {
        b.iter(|| black_box(metadata.evaluate(Some(black_box(&user)), black_box(&info))));
    });
    group.bench_function("documentation example, a pod", |b| {
        b.iter(|| black_box(example.evaluate(Some(black_box(&user)), black_box(&pods))));
    });
    group.bench_function("documentation example, a review (last rule)", |b| {
        b.iter(|| black_box(example.evaluate(Some(black_box(&user)), black_box(&info))));
    });
    group.finish();

    let sink = Copying::default();
    let mut group = c.benchmark_group("record");
    group.bench_function("SelfSubjectAccessReview at Metadata, two events", |b| {
        b.iter(|| record(black_box(&metadata), &info, &user, &sink));
    });
    group.finish();

    let json = {
        let sink = Copying::default();
        record(&metadata, &info, &user, &sink);
        let bytes = sink.0.into_inner();
        String::from_utf8(bytes).expect("UTF-8")
    };
    let event = kubeward_audit::decode::read(&json)
        .events
        .pop()
        .expect("an event");
    let mut out = String::with_capacity(1024);
    c.bench_function("encode one Event", |b| {
        b.iter(|| {
            out.clear();
            black_box(&event).write_json(&mut out);
            black_box(out.len())
        });
    });
}

fn details(c: &mut Criterion) {
    let reason = "RBAC: allowed by ClusterRoleBinding \"system:basic-user\" of ClusterRole \"system:basic-user\" to Group \"system:authenticated\"";
    let korean = "민준의 개발 네임스페이스에 있는 파드 목록을 읽을 권한이 있습니다 ".repeat(2);
    let escapes = "<a href=\"x\">&amp;</a>\n\t".repeat(5);
    let mut out = String::with_capacity(1024);
    let mut group = c.benchmark_group("escape");
    for (name, text) in [
        ("an RBAC reason, 122 bytes", reason),
        ("Korean, 186 bytes", korean.as_str()),
        ("escapes, 115 bytes", escapes.as_str()),
        ("a verb, 6 bytes", "create"),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                write_json_string(&mut out, black_box(text));
                black_box(out.len())
            });
        });
    }
    group.finish();

    let received = UNIX_EPOCH + Duration::from_micros(1_795_263_830_000_123);
    let mut text = String::new();
    timestamp::push_micro(&mut text, received);
    let later = received + Duration::from_micros(333);
    let mut group = c.benchmark_group("timestamp");
    group.bench_function("MicroTime from the calendar", |b| {
        b.iter(|| {
            out.clear();
            timestamp::push_micro(&mut out, black_box(later));
            black_box(out.len())
        });
    });
    group.bench_function("MicroTime in the second of a known one", |b| {
        b.iter(|| {
            out.clear();
            timestamp::push_micro_near(&mut out, black_box(later), (received, &text));
            black_box(out.len())
        });
    });
    group.finish();
}

criterion_group!(audit, benches, details);
criterion_main!(audit);
