use super::*;

fn status(code: tonic::Code, message: &str) -> Error {
    Error::GRpcStatus(tonic::Status::new(code, message))
}

#[test]
fn reads_are_sent_again_whenever_the_cluster_was_unavailable() {
    for message in [
        "tcp connect error",
        "etcdserver: leader changed",
        "transport closed",
    ] {
        assert!(
            retryable(&status(tonic::Code::Unavailable, message), Kind::Read),
            "{message}"
        );
    }
    assert!(!retryable(
        &status(
            tonic::Code::OutOfRange,
            "etcdserver: mvcc: required revision has been compacted"
        ),
        Kind::Read
    ));
}

#[test]
fn writes_are_sent_again_only_when_etcd_cannot_have_applied_them() {
    assert!(retryable(
        &status(tonic::Code::Unavailable, "tcp connect error"),
        Kind::Write
    ));
    assert!(retryable(
        &status(tonic::Code::Unavailable, "etcdserver: no leader"),
        Kind::Write
    ));
    for message in [
        "etcdserver: leader changed",
        "etcdserver: request timed out",
    ] {
        assert!(
            !retryable(&status(tonic::Code::Unavailable, message), Kind::Write),
            "{message}"
        );
    }
    assert!(!retryable(
        &Error::InvalidArgs("bad".to_string()),
        Kind::Write
    ));
}
