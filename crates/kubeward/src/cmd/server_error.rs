//! An error the API server answered, printed as kubectl prints it (`StandardErrorMessage` of
//! k8s.io/kubectl/pkg/cmd/util): `Error from server (Reason): message`, `Error from server:
//! message` without a reason, and `error: You must be logged in to the server (message)` for
//! 401.

use std::fmt;

/// A `Status` the API server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// `reason`, e.g. `AlreadyExists` (may be empty).
    pub reason: String,
    /// `message`.
    pub message: String,
}

impl ServerError {
    /// The server's `Status` of a kube client error, or the error itself.
    pub fn from_kube(error: kube::Error) -> anyhow::Error {
        match error {
            kube::Error::Api(status) => anyhow::Error::new(Self {
                reason: status.reason,
                message: status.message,
            }),
            other => anyhow::Error::new(other),
        }
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason.as_str() {
            "Unauthorized" => write!(
                f,
                "error: You must be logged in to the server ({})",
                self.message
            ),
            "" => write!(f, "Error from server: {}", self.message),
            reason => write!(f, "Error from server ({reason}): {}", self.message),
        }
    }
}

impl std::error::Error for ServerError {}

/// How the command line prints a failed command's error on stderr: a server's answer as kubectl
/// prints it, anything else as `error: ` and the chain of causes, each said once.
pub fn render(error: &anyhow::Error) -> String {
    if let Some(server) = error.downcast_ref::<ServerError>() {
        return server.to_string();
    }
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        // Libraries often repeat their source's message in their own: say each thing once.
        if parts.iter().any(|p| p.contains(&text)) {
            continue;
        }
        if let Some(last) = parts.last()
            && text.contains(last.as_str())
        {
            parts.pop();
        }
        parts.push(text);
    }
    format!("error: {}", parts.join(": "))
}

#[cfg(test)]
mod tests;
