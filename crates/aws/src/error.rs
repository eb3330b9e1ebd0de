//! AWS's errors, as the query APIs answer them: a code, a message, a status, and whether the
//! sender or the receiver is at fault.

/// An error answer of IAM or STS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AwsError {
    /// HTTP status.
    pub status: u16,
    /// The error code (`SignatureDoesNotMatch`, `NoSuchEntity`, …).
    pub code: &'static str,
    /// The message, word for word as AWS writes it.
    pub message: String,
}

impl AwsError {
    /// A 4xx of the sender.
    pub fn sender(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// `InvalidClientTokenId`: the access key is unknown.
    pub fn invalid_client_token() -> Self {
        Self::sender(
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        )
    }

    /// `SignatureDoesNotMatch` for a wrong signature.
    pub fn signature_mismatch() -> Self {
        Self::sender(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        )
    }

    /// `MissingAuthenticationToken`: no signature at all.
    pub fn missing_authentication() -> Self {
        Self::sender(
            403,
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
        )
    }

    /// `IncompleteSignature`: an `Authorization` header or presigned query that does not parse.
    pub fn incomplete_signature(message: impl Into<String>) -> Self {
        Self::sender(400, "IncompleteSignature", message)
    }

    /// `InvalidAction`.
    pub fn invalid_action(action: &str) -> Self {
        Self::sender(
            400,
            "InvalidAction",
            format!("Could not find operation {action} for version NO_VERSION_SPECIFIED"),
        )
    }

    /// `ValidationError` / `MissingParameter`.
    pub fn missing_parameter(name: &str) -> Self {
        Self::sender(
            400,
            "ValidationError",
            format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(name)
            ),
        )
    }

    /// `NoSuchEntity`.
    pub fn no_such_entity(message: impl Into<String>) -> Self {
        Self::sender(404, "NoSuchEntity", message)
    }

    /// `EntityAlreadyExists`.
    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::sender(409, "EntityAlreadyExists", message)
    }

    /// `AccessDenied`.
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::sender(403, "AccessDenied", message)
    }

    /// `InternalFailure` (the store failed).
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            status: 500,
            code: "InternalFailure",
            message: message.into(),
        }
    }

    /// `Sender` or `Receiver`.
    pub fn fault(&self) -> &'static str {
        if self.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        }
    }
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
