//! Continue tokens of paged lists, in kube-apiserver's format: unpadded base64url of
//! `{"v":"meta.k8s.io/v1","rv":REVISION,"start":KEY}`, where `rv` is the revision every page is
//! read at (`-1`: the newest, after a token expired) and `start` the first key of the next page,
//! relative to the listed scope (so a token cannot reach outside the scope it is used with).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// The version tag of the token format.
const VERSION: &str = "meta.k8s.io/v1";

/// Where the next page of a list starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continue {
    /// The revision every page is read at; `None`: the newest (a token handed out when the
    /// original revision had been compacted, for a list that is no longer consistent).
    pub revision: Option<u64>,
    /// The first key of the next page, relative to the scope (opaque to clients).
    pub start: String,
}

/// Why a continue token is refused (kube-apiserver's words; the API answers
/// `400 invalid continue token: …`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContinueError {
    /// Not base64, or not the JSON document.
    #[error("continue key is not valid: {0}")]
    Malformed(String),
    /// `rv` is 0.
    #[error(
        "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
    )]
    InvalidRevision,
    /// `start` is empty.
    #[error("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)")]
    EmptyStart,
    /// `v` is another version.
    #[error("continue key is not valid: server does not recognize this encoded version {0}")]
    UnknownVersion(String),
}

#[derive(Serialize, Deserialize)]
struct Token {
    v: String,
    rv: i64,
    start: String,
}

impl Continue {
    /// The token a client sends back.
    pub fn encode(&self) -> String {
        let token = Token {
            v: VERSION.to_string(),
            rv: self
                .revision
                .map_or(-1, |r| i64::try_from(r).unwrap_or(i64::MAX)),
            start: self.start.clone(),
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
    }

    /// Reads a token a client sent.
    pub fn decode(token: &str) -> Result<Self, ContinueError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|e| ContinueError::Malformed(e.to_string()))?;
        let token: Token =
            serde_json::from_slice(&bytes).map_err(|e| ContinueError::Malformed(e.to_string()))?;
        if token.v != VERSION {
            return Err(ContinueError::UnknownVersion(token.v));
        }
        if token.rv == 0 {
            return Err(ContinueError::InvalidRevision);
        }
        if token.start.is_empty() {
            return Err(ContinueError::EmptyStart);
        }
        Ok(Self {
            revision: u64::try_from(token.rv).ok(),
            start: token.start,
        })
    }
}

#[cfg(test)]
mod tests;
