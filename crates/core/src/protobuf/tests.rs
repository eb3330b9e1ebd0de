use serde_json::json;

use super::*;

/// A minimal protobuf writer for building test messages.
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn varint(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(byte);
                return;
            }
            self.0.push(byte | 0x80);
        }
    }
    fn int(mut self, number: u32, v: i64) -> Self {
        self.varint(u64::from(number) << 3);
        self.varint(v as u64);
        self
    }
    fn bytes(mut self, number: u32, b: &[u8]) -> Self {
        self.varint((u64::from(number) << 3) | 2);
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }
    fn text(self, number: u32, s: &str) -> Self {
        self.bytes(number, s.as_bytes())
    }
    fn message(self, number: u32, m: Writer) -> Self {
        self.bytes(number, &m.0)
    }
}

fn envelope(api_version: &str, kind: &str, raw: Writer) -> Vec<u8> {
    let type_meta = Writer::default().text(1, api_version).text(2, kind);
    let unknown = Writer::default()
        .message(1, type_meta)
        .bytes(2, &raw.0)
        .text(3, "")
        .text(4, "");
    let mut body = MAGIC.to_vec();
    body.extend_from_slice(&unknown.0);
    body
}

fn meta(name: &str) -> Writer {
    // Go writes every non-pointer field, empty strings and the zero time included.
    Writer::default()
        .text(1, name)
        .text(2, "")
        .text(3, "")
        .int(7, 0)
        .message(8, Writer::default().int(1, ZERO_TIME_SECONDS).int(2, 0))
        .message(11, Writer::default().text(1, "app").text(2, "web"))
}

#[test]
fn a_role_decodes_to_its_json_form() {
    let rule = Writer::default()
        .text(1, "get")
        .text(1, "list")
        .text(2, "")
        .text(3, "pods");
    let role = Writer::default()
        .message(1, meta("pod-reader"))
        .message(2, rule);
    let decoded = decode(&envelope("rbac.authorization.k8s.io/v1", "Role", role)).unwrap();
    assert_eq!(
        decoded,
        json!({
            "kind": "Role",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "pod-reader", "labels": {"app": "web"}},
            "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}]
        })
    );
}

#[test]
fn csr_approval_keeps_bytes_times_and_extras() {
    let condition = Writer::default()
        .text(1, "Approved")
        .text(2, "KubectlApprove")
        .message(4, Writer::default().int(1, 1_795_343_029))
        .text(6, "True");
    let extra = Writer::default()
        .text(1, "authentication.kubernetes.io/credential-id")
        .message(2, Writer::default().text(1, "X509SHA256=ab"));
    let spec = Writer::default()
        .bytes(1, b"-----BEGIN")
        .text(7, "kubernetes.io/kube-apiserver-client")
        .int(8, 86_400)
        .message(6, extra);
    let csr = Writer::default()
        .message(1, meta("minjun"))
        .message(2, spec)
        .message(3, Writer::default().message(1, condition));
    let decoded = decode(&envelope(
        "certificates.k8s.io/v1",
        "CertificateSigningRequest",
        csr,
    ))
    .unwrap();
    assert_eq!(decoded["spec"]["request"], "LS0tLS1CRUdJTg==");
    assert_eq!(decoded["spec"]["expirationSeconds"], 86_400);
    assert_eq!(
        decoded["spec"]["extra"],
        json!({"authentication.kubernetes.io/credential-id": ["X509SHA256=ab"]})
    );
    assert_eq!(
        decoded["status"]["conditions"][0],
        json!({"type": "Approved", "reason": "KubectlApprove", "lastUpdateTime": "2026-11-22T10:23:49Z", "status": "True"})
    );
}

#[test]
fn access_review_spec() {
    let attributes = Writer::default()
        .text(1, "dev")
        .text(2, "get")
        .text(5, "pods");
    let review = Writer::default().message(2, Writer::default().message(1, attributes));
    let decoded = decode(&envelope(
        "authorization.k8s.io/v1",
        "SelfSubjectAccessReview",
        review,
    ))
    .unwrap();
    assert_eq!(
        decoded["spec"],
        json!({"resourceAttributes": {"namespace": "dev", "verb": "get", "resource": "pods"}})
    );
}

#[test]
fn bad_bodies_are_errors_not_panics() {
    assert_eq!(decode(b"{}"), Err(ProtobufError::MissingMagic));
    assert!(matches!(
        decode(b"k8s\0\x0a\xff"),
        Err(ProtobufError::Malformed(_))
    ));
    assert!(matches!(
        decode(&envelope(
            "storage.k8s.io/v1",
            "StorageClass",
            Writer::default()
        )),
        Err(ProtobufError::UnknownKind { .. })
    ));
    // Truncated in every possible place.
    let full = envelope("v1", "Namespace", Writer::default().message(1, meta("x")));
    for cut in 0..full.len() {
        let _ = decode(&full[..cut]);
    }
}

#[test]
fn timestamps_are_rfc3339() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339(1_795_343_029), "2026-11-22T10:23:49Z");
}

#[test]
fn an_autoscaler_from_kubectl_autoscale_decodes_in_either_version() {
    let target = || {
        Writer::default()
            .text(1, "Deployment")
            .text(2, "web")
            .text(3, "apps/v1")
    };
    let v1_spec = Writer::default().message(1, target()).int(3, 5).int(4, 60);
    let v1 = Writer::default()
        .message(1, meta("web"))
        .message(2, v1_spec);
    let decoded = decode(&envelope("autoscaling/v1", "HorizontalPodAutoscaler", v1)).unwrap();
    assert_eq!(
        decoded["spec"],
        json!({"scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
            "maxReplicas": 5, "targetCPUUtilizationPercentage": 60})
    );

    let quantity = Writer::default().text(1, "500Mi");
    let metric = Writer::default().text(1, "Resource").message(
        4,
        Writer::default().text(1, "memory").message(
            2,
            Writer::default()
                .text(1, "AverageValue")
                .message(3, quantity),
        ),
    );
    let v2_spec = Writer::default()
        .message(1, target())
        .int(3, 5)
        .message(4, metric);
    let v2 = Writer::default()
        .message(1, meta("web"))
        .message(2, v2_spec);
    let decoded = decode(&envelope("autoscaling/v2", "HorizontalPodAutoscaler", v2)).unwrap();
    assert_eq!(
        decoded["spec"]["metrics"],
        json!([{"type": "Resource", "resource": {"name": "memory",
            "target": {"type": "AverageValue", "averageValue": "500Mi"}}}])
    );
}
