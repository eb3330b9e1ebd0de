//! The remote command protocol of `exec` and `attach` (`k8s.io/apimachinery/pkg/util/remotecommand`
//! and the kubelet's `cri/streaming/remotecommand`), sans I/O: the request's stream options, the
//! version negotiation of the SPDY upgrade, the stream types, the `Status` written on the error
//! stream, and the terminal resize messages.

use serde::{Deserialize, Serialize};

/// `channel.k8s.io` (version 1: errors as text, no resize).
pub const V1: &str = "channel.k8s.io";
/// `v2.channel.k8s.io`.
pub const V2: &str = "v2.channel.k8s.io";
/// `v3.channel.k8s.io`: adds the resize stream.
pub const V3: &str = "v3.channel.k8s.io";
/// `v4.channel.k8s.io`: the error stream carries a JSON `Status` with the exit code.
pub const V4: &str = "v4.channel.k8s.io";
/// `v5.channel.k8s.io`: v4 plus the WebSocket close signal.
pub const V5: &str = "v5.channel.k8s.io";

/// The versions the kubelet accepts over SPDY, most preferred first.
pub const SPDY_PROTOCOLS: &[&str] = &[V5, V4, V3, V2, V1];

/// The `streamType` header values.
pub mod stream_type {
    /// The error stream.
    pub const ERROR: &str = "error";
    /// Standard input.
    pub const STDIN: &str = "stdin";
    /// Standard output.
    pub const STDOUT: &str = "stdout";
    /// Standard error.
    pub const STDERR: &str = "stderr";
    /// Terminal resize events.
    pub const RESIZE: &str = "resize";
}

/// The WebSocket channel numbers of exec and attach.
pub mod channel {
    /// Standard input (0).
    pub const STDIN: u8 = 0;
    /// Standard output (1).
    pub const STDOUT: u8 = 1;
    /// Standard error (2).
    pub const STDERR: u8 = 2;
    /// The error stream (3).
    pub const ERROR: u8 = 3;
    /// Terminal resize (4).
    pub const RESIZE: u8 = 4;
}

/// Which streams a request wants (`input`, `output`, `error`, `tty` query parameters, `"1"` for
/// yes, as the API server writes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Standard input.
    pub stdin: bool,
    /// Standard output.
    pub stdout: bool,
    /// Standard error (never with a TTY).
    pub stderr: bool,
    /// A terminal.
    pub tty: bool,
}

impl Options {
    /// The options of a request's query pairs; the kubelet's error when no stream is asked for.
    pub fn from_query(pairs: &[(String, String)]) -> Result<Self, String> {
        let flag = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .is_some_and(|(_, v)| v == "1")
        };
        let tty = flag("tty");
        let stdin = flag("input");
        let stdout = flag("output");
        let stderr = flag("error") && !tty;
        if !stdin && !stdout && !stderr {
            return Err("you must specify at least 1 of stdin, stdout, stderr".to_string());
        }
        Ok(Self {
            stdin,
            stdout,
            stderr,
            tty,
        })
    }

    /// How many streams a SPDY client opens for these options under `version` (the error
    /// stream, the requested ones, and resize from v3 on with a TTY).
    pub fn expected_streams(&self, version: &str) -> usize {
        let resize = self.tty && !matches!(version, V1 | V2 | "");
        1 + usize::from(self.stdin)
            + usize::from(self.stdout)
            + usize::from(self.stderr)
            + usize::from(resize)
    }
}

/// Why an upgrade's version negotiation failed: the status code and the text the kubelet writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeError {
    /// 400 or 403.
    pub code: u16,
    /// The response body.
    pub message: String,
    /// The `X-Accepted-Stream-Protocol-Versions` values to send back (on 403).
    pub accepted: Vec<String>,
}

/// `httpstream.Handshake`: the first of the client's `X-Stream-Protocol-Version` values (each
/// header comma-separated) that the server accepts.
pub fn handshake<'a>(
    client_values: impl IntoIterator<Item = &'a str>,
    server: &[&str],
) -> Result<String, HandshakeError> {
    let client: Vec<&str> = client_values
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(|p| p.trim_matches(' '))
        .filter(|p| !p.is_empty())
        .collect();
    if client.is_empty() {
        return Err(HandshakeError {
            code: 400,
            message: "unable to upgrade: X-Stream-Protocol-Version is required".to_string(),
            accepted: Vec::new(),
        });
    }
    if let Some(found) = client.iter().find(|c| server.contains(c)) {
        return Ok((*found).to_string());
    }
    Err(HandshakeError {
        code: 403,
        message: format!(
            "unable to upgrade: unable to negotiate protocol: client supports [{}], server accepts [{}]",
            client.join(" "),
            server.join(" ")
        ),
        accepted: server.iter().map(|s| s.to_string()).collect(),
    })
}

/// How a command ended, for the error stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Exit code 0.
    Success,
    /// A non-zero exit code; `command` is what was run.
    ExitCode {
        /// The command line.
        command: Vec<String>,
        /// The code.
        code: i32,
    },
    /// The command could not be run (not found, not executable, …).
    Failed(String),
}

/// `metav1.Status` with Go's field order and `omitempty`s, as `json.Marshal` writes it.
#[derive(Debug, Serialize)]
struct StatusBody {
    metadata: Empty,
    status: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    message: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Details>,
    #[serde(skip_serializing_if = "is_zero")]
    code: u16,
}

fn is_zero(code: &u16) -> bool {
    *code == 0
}

#[derive(Debug, Serialize)]
struct Empty {}

#[derive(Debug, Serialize)]
struct Details {
    causes: Vec<Cause>,
}

#[derive(Debug, Serialize)]
struct Cause {
    #[serde(skip_serializing_if = "str::is_empty")]
    reason: &'static str,
    message: String,
}

impl Outcome {
    fn body(&self) -> StatusBody {
        match self {
            Self::Success => StatusBody {
                metadata: Empty {},
                status: "Success",
                message: String::new(),
                reason: "",
                details: None,
                code: 0,
            },
            Self::ExitCode { command, code } => StatusBody {
                metadata: Empty {},
                status: "Failure",
                message: format!(
                    "command terminated with non-zero exit code: error executing command [{}], exit code {code}",
                    command.join(" ")
                ),
                reason: "NonZeroExitCode",
                details: Some(Details {
                    causes: vec![Cause {
                        reason: "ExitCode",
                        message: code.to_string(),
                    }],
                }),
                code: 0,
            },
            Self::Failed(error) => {
                let error = format!("error executing command in container: {error}");
                StatusBody {
                    metadata: Empty {},
                    status: "Failure",
                    message: format!("Internal error occurred: {error}"),
                    reason: "InternalError",
                    details: Some(Details {
                        causes: vec![Cause {
                            reason: "",
                            message: error,
                        }],
                    }),
                    code: 500,
                }
            }
        }
    }

    /// What goes on the error stream under `version`: the JSON `Status` from v4 on; before,
    /// nothing on success and the message as text otherwise.
    pub fn error_stream_bytes(&self, version: &str) -> Vec<u8> {
        let body = self.body();
        if matches!(version, V4 | V5) {
            return serde_json::to_vec(&body).unwrap_or_default();
        }
        body.message.into_bytes()
    }
}

/// A terminal size (`remotecommand.TerminalSize`, JSON `{"Width":…,"Height":…}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct TerminalSize {
    /// Columns.
    #[serde(rename = "Width")]
    pub width: u16,
    /// Rows.
    #[serde(rename = "Height")]
    pub height: u16,
}

/// Reads the resize stream: a sequence of JSON objects in arbitrary chunks, as Go's
/// `json.Decoder` reads it.
#[derive(Debug, Default)]
pub struct ResizeDecoder {
    buffer: Vec<u8>,
}

impl ResizeDecoder {
    /// A decoder with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns the sizes completed by them. A malformed value ends the stream for
    /// the kubelet (it stops reading); here it is an error.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<TerminalSize>, String> {
        self.buffer.extend_from_slice(bytes);
        let mut sizes = Vec::new();
        let mut stream =
            serde_json::Deserializer::from_slice(&self.buffer).into_iter::<TerminalSize>();
        let mut consumed = 0;
        loop {
            match stream.next() {
                Some(Ok(size)) => {
                    sizes.push(size);
                    consumed = stream.byte_offset();
                }
                Some(Err(error)) if error.is_eof() => break,
                Some(Err(error)) => return Err(error.to_string()),
                None => break,
            }
        }
        self.buffer.drain(..consumed);
        if self.buffer.len() > 4096 {
            return Err("resize message too long".to_string());
        }
        Ok(sizes)
    }
}

#[cfg(test)]
mod tests;
