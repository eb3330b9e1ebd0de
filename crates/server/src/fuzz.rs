//! Fuzz targets of what the API server reads off a request (`docs/fuzzing.md`): object bodies
//! in every accepted format through decoding, field validation, each kind's validation, Table
//! printing and the RBAC index; PATCH bodies of the three patch formats; and whole requests —
//! method, path, query, headers, body — through the filter chain and the handlers.
//!
//! Each target is a bolero harness that runs as an ordinary test on the stable toolchain: it
//! replays its corpus (`src/__fuzz__/<target>/corpus`, realistic inputs and every crash found so
//! far), then generates random inputs for a bounded time; `cargo bolero test` runs it under
//! libFuzzer or AFL for as long as one wants.

use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use time::OffsetDateTime;

use crate::codec::body;
use crate::registry::field_validation::{self, Directive};
use crate::registry::kinds::{self, Kind, Serving};
use crate::registry::patch::{self, PatchKind};
use crate::test_support::TestServer;
use kubeward_core::validation::object_meta;

/// How long a target generates random inputs in a normal test run, after its corpus
/// (`BOLERO_RANDOM_TEST_TIME_MS` overrides it for a longer run).
const RANDOM_TIME: Duration = Duration::from_millis(1500);

/// A fixed `now` for printing ages.
fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_893_456_000).expect("a valid time")
}

/// The `Content-Type` an input's first byte picks (`j` JSON, `y` YAML, `p` protobuf, `c` CBOR,
/// `t` text; anything else: none, which is JSON).
fn headers_for(selector: u8) -> http::HeaderMap {
    let media = match selector {
        b'j' => "application/json",
        b'y' => "application/yaml; charset=utf-8",
        b'p' => kubeward_core::protobuf::MEDIA_TYPE,
        b'c' => "application/cbor",
        b't' => "text/plain",
        _ => return http::HeaderMap::new(),
    };
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(media),
    );
    headers
}

/// Whether the RBAC index takes `object` of `kind` without a panic (what its controller does
/// with every stored RBAC object), and a decision can be asked of it.
fn index_rbac(kind: &Kind, object: &Value) {
    use k8s_openapi::api::rbac::v1 as wire;
    use kubeward_rbac::{Policy, from_k8s};
    fn typed<T: serde::de::DeserializeOwned>(object: &Value) -> Option<T> {
        serde_json::from_value(object.clone()).ok()
    }
    let mut policy = Policy::new();
    match kind.resource {
        "roles" => {
            if let Some(Ok(role)) = typed::<wire::Role>(object).map(|r| from_k8s::role(&r)) {
                policy.upsert_role(role);
            }
        }
        "clusterroles" => {
            if let Some(Ok(role)) =
                typed::<wire::ClusterRole>(object).map(|r| from_k8s::cluster_role(&r))
            {
                policy.upsert_role(role);
            }
        }
        "rolebindings" => {
            if let Some(Ok(binding)) =
                typed::<wire::RoleBinding>(object).map(|b| from_k8s::role_binding(&b))
            {
                policy.upsert_binding(binding);
            }
        }
        "clusterrolebindings" => {
            if let Some(Ok(binding)) = typed::<wire::ClusterRoleBinding>(object)
                .map(|b| from_k8s::cluster_role_binding(&b))
            {
                policy.upsert_binding(binding);
            }
        }
        _ => return,
    }
    let user = kubeward_core::UserInfo::new("minjun", ["dev-team", "system:authenticated"]);
    let attributes =
        kubeward_core::Attributes::resource(user.clone(), "get", "", "pods", "default");
    policy.authorize(&attributes);
    policy.rules_for(&user, "default");
}

/// A body in any format decodes without a panic, and what decodes goes through field
/// validation and every stored kind's validation; an object a kind accepts prints as a Table
/// row and (for the RBAC kinds) enters the RBAC index.
#[test]
fn write_body() {
    bolero::check!(name = "write_body")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let Some((selector, bytes)) = input.split_first() else {
                return;
            };
            let headers = headers_for(*selector);
            let duplicates = body::strict_errors(&headers, bytes);
            let Ok(object) = body::decode_object(&headers, bytes) else {
                return;
            };
            assert!(object.is_object(), "a decoded body is an object");
            for kind in kinds::all().filter(|k| k.serving == Serving::Stored) {
                for directive in [Directive::Strict, Directive::Warn] {
                    let _ = field_validation::check(kind, &object, &duplicates, directive);
                }
                let mut created = object.clone();
                let namespace = kind.namespaced.then_some("default");
                crate::registry::objects::prepare_create(&mut created, namespace, now());
                let mut errors =
                    object_meta::validate_create(&created, kind.namespaced, kind.name_rule);
                errors.extend(kind.strategy.validate(&created));
                errors.extend(object_meta::validate_update(&created, &created));
                errors.extend(kind.strategy.validate_update(&created, &created));
                if errors.is_empty()
                    && field_validation::check(kind, &created, &[], Directive::Ignore).is_ok()
                {
                    kind.table(&[created.clone()], "1", now());
                    index_rbac(kind, &created);
                }
            }
        });
}

/// One patch input: the patch format on the first line, then the current object and the patch
/// as two JSON documents.
fn patch_input(input: &[u8]) -> Option<(PatchKind, Value, Value)> {
    let text = std::str::from_utf8(input).ok()?;
    let (media, documents) = text.split_once('\n')?;
    let kind = PatchKind::from_content_type(media).ok()??;
    let mut values = serde_json::Deserializer::from_str(documents).into_iter::<Value>();
    let current = values.next()?.ok()?;
    let patch = values.next()?.ok()?;
    Some((kind, current, patch))
}

/// Every patch format applies to any object without a panic; a merge patch applied twice gives
/// what it gave once (RFC 7386 patches are idempotent).
#[test]
fn patch() {
    bolero::check!(name = "patch")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let Some((kind, current, document)) = patch_input(input) else {
                return;
            };
            let Ok(patched) = patch::apply(kind, &current, &document) else {
                return;
            };
            if kind == PatchKind::Merge {
                let again = patch::apply(kind, &patched, &document).expect("merge never fails");
                assert_eq!(again, patched, "merge patch is idempotent");
            }
        });
}

/// The one server every `request` input runs against, with the runtime that drives it.
struct Shared {
    runtime: tokio::runtime::Runtime,
    server: TestServer,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let server = runtime.block_on(TestServer::start());
        Shared { runtime, server }
    })
}

/// How long one request may take before the target calls it a hang.
const REQUEST_DEADLINE: Duration = Duration::from_secs(20);

/// A request as HTTP/1.1 writes it: `METHOD TARGET` on the first line, `Name: value` header
/// lines, an empty line, then the body. `None` when the text is not one (http refuses the method,
/// URI or a header) or asks for a watch, which streams until the client leaves.
fn http_request(input: &[u8]) -> Option<(http::request::Builder, Bytes)> {
    let split = input
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| (at, at + 4))
        .or_else(|| {
            input
                .windows(2)
                .position(|w| w == b"\n\n")
                .map(|at| (at, at + 2))
        });
    let (head, body) = match split {
        Some((end, start)) => (&input[..end], &input[start..]),
        None => (input, &input[input.len()..]),
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.lines();
    let (method, target) = lines.next()?.split_once(' ')?;
    let target = target.trim_end_matches(" HTTP/1.1");
    let method = http::Method::from_bytes(method.as_bytes()).ok()?;
    let uri: http::Uri = target.parse().ok()?;
    let info = kubeward_core::RequestInfo::parse(
        method.as_str(),
        uri.path(),
        uri.query().unwrap_or_default(),
    );
    if info.is_ok_and(|info| info.verb == "watch") {
        return None;
    }
    let mut builder = http::Request::builder().method(method).uri(uri);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let name = http::HeaderName::from_bytes(name.trim().as_bytes()).ok()?;
        let value = http::HeaderValue::from_bytes(value.trim().as_bytes()).ok()?;
        builder = builder.header(name, value);
    }
    Some((builder, Bytes::copy_from_slice(body)))
}

/// Pieces of requests that random inputs are made of when their first byte is 0x80 or more
/// (one byte per piece), so that they are requests at all; corpus files are plain HTTP.
const REQUEST_TOKENS: &[&str] = &[
    "GET ",
    "POST ",
    "PUT ",
    "PATCH ",
    "DELETE ",
    "/api/v1/namespaces/default/configmaps",
    "/api/v1/namespaces",
    "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    "/x",
    "/status",
    "/finalize",
    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    "/api/v1/namespaces/default/pods",
    "/apis/certificates.k8s.io/v1/certificatesigningrequests",
    "/approval",
    "/token",
    "/api/v1/namespaces/default/serviceaccounts/default",
    "/openapi/v2",
    "/apis",
    "/version",
    "?",
    "&",
    "limit=1",
    "continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiJ4In0",
    "resourceVersion=0",
    "resourceVersionMatch=Exact",
    "fieldValidation=Strict",
    "dryRun=All",
    "labelSelector=a%3Db",
    "fieldSelector=metadata.name%3Dx",
    "%2F",
    "\r\n",
    "\r\nAuthorization: Bearer admin-token",
    "\r\nAuthorization: Bearer alice-token",
    "\r\nAuthorization: Bearer x.y.z",
    "\r\nImpersonate-User: alice",
    "\r\nImpersonate-Group: system:masters",
    "\r\nImpersonate-Extra-a%2Fb: c",
    "\r\nContent-Type: application/json",
    "\r\nContent-Type: application/yaml",
    "\r\nContent-Type: application/merge-patch+json",
    "\r\nContent-Type: application/json-patch+json",
    "\r\nContent-Type: application/strategic-merge-patch+json",
    "\r\nAccept: application/json;as=Table;v=v1;g=meta.k8s.io",
    "\r\n\r\n",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"metadata\"",
    "\"name\"",
    "\"x\"",
    "\"data\"",
    "\"kind\"",
    "\"ConfigMap\"",
    "\"apiVersion\"",
    "\"v1\"",
    "\"rules\"",
    "\"op\"",
    "\"add\"",
    "\"path\"",
    "\"/data/a\"",
    "\"value\"",
    "null",
    "1",
    "\"spec\"",
    "\"finalizers\"",
    "\"preconditions\"",
    "\"uid\"",
];

/// Any request gets an answer in time, never a 500, and a JSON answer that parses.
#[test]
fn request() {
    // A panic in a request leaves the server usable: every write is a transaction.
    let shared = std::panic::AssertUnwindSafe(shared());
    bolero::check!(name = "request")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let expanded: Vec<u8>;
            let input = match input.split_first() {
                Some((first, rest)) if *first >= 0x80 => {
                    expanded = rest
                        .iter()
                        .flat_map(|b| {
                            REQUEST_TOKENS[usize::from(*b) % REQUEST_TOKENS.len()].bytes()
                        })
                        .collect();
                    &expanded[..]
                }
                _ => input,
            };
            let Some((builder, body)) = http_request(input) else {
                return;
            };
            let described = String::from_utf8_lossy(&input[..input.len().min(300)]).into_owned();
            let answer = shared
                .runtime
                .block_on(async {
                    tokio::time::timeout(REQUEST_DEADLINE, shared.server.send(builder, body)).await
                })
                .unwrap_or_else(|_| panic!("no answer within {REQUEST_DEADLINE:?}: {described}"));
            assert_ne!(answer.code, 500, "{described}\n{}", answer.text());
            let json = answer
                .headers
                .get(http::header::CONTENT_TYPE)
                .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
            if json {
                assert!(
                    serde_json::from_slice::<Value>(&answer.body).is_ok(),
                    "{described}\n{}",
                    answer.text()
                );
            }
        });
}
