//! kubectl's wording of server errors, and error chains that say each cause once.

use super::*;

fn status(reason: &str, message: &str) -> anyhow::Error {
    anyhow::Error::new(ServerError {
        reason: reason.into(),
        message: message.into(),
    })
}

#[test]
fn server_errors_read_as_kubectl_prints_them() {
    assert_eq!(
        render(&status(
            "AlreadyExists",
            "certificatesigningrequests.certificates.k8s.io \"minjun\" already exists"
        )),
        "Error from server (AlreadyExists): certificatesigningrequests.certificates.k8s.io \"minjun\" already exists"
    );
    assert_eq!(
        render(&status("", "the server is on fire")),
        "Error from server: the server is on fire"
    );
    assert_eq!(
        render(&status("Unauthorized", "Unauthorized")),
        "error: You must be logged in to the server (Unauthorized)"
    );
    // Context added on the way up does not hide kubectl's line.
    assert_eq!(
        render(&status("Forbidden", "nope").context("creating the request")),
        "Error from server (Forbidden): nope"
    );
}

#[test]
fn a_cause_repeated_by_its_wrapper_is_said_once() {
    #[derive(Debug)]
    struct Inner;
    impl std::fmt::Display for Inner {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("No such file or directory (os error 2)")
        }
    }
    impl std::error::Error for Inner {}
    #[derive(Debug)]
    struct Outer(Inner);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "failed to read kubeconfig: {}", self.0)
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    let error = anyhow::Error::new(Outer(Inner)).context("reading the current kubeconfig");
    assert_eq!(
        render(&error),
        "error: reading the current kubeconfig: failed to read kubeconfig: No such file or directory (os error 2)"
    );
    let plain = anyhow::anyhow!("b").context("a");
    assert_eq!(render(&plain), "error: a: b");
}
