//! Kubernetes' channel framing over WebSocket (`k8s.io/apimachinery/pkg/util/httpstream/wsstream`),
//! sans I/O: subprotocol negotiation, and one message per write with the channel number in the
//! first byte (binary protocols) or as an ASCII digit before base64 (`base64.` protocols).
//! `v5.channel.k8s.io` adds the close signal: `[255, channel]` half-closes a channel.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// `channel.k8s.io`: binary messages, the channel in the first byte.
pub const CHANNEL: &str = "channel.k8s.io";
/// `base64.channel.k8s.io`: text messages, an ASCII channel digit, then base64.
pub const BASE64_CHANNEL: &str = "base64.channel.k8s.io";
/// `v4.channel.k8s.io`: binary, JSON `Status` on the error channel.
pub const V4_CHANNEL: &str = "v4.channel.k8s.io";
/// `v4.base64.channel.k8s.io`.
pub const V4_BASE64_CHANNEL: &str = "v4.base64.channel.k8s.io";
/// `v5.channel.k8s.io`: v4 plus the close signal.
pub const V5_CHANNEL: &str = "v5.channel.k8s.io";
/// The first byte of a close-signal message (`remotecommand.StreamClose`).
pub const STREAM_CLOSE: u8 = 255;

/// How a protocol's messages carry their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Binary messages; the channel number is the first byte.
    Binary,
    /// Text messages; an ASCII digit (`'0' + channel`) then standard base64.
    Base64,
}

/// A channel protocol the server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelProtocol {
    /// The subprotocol name (`""`: the client asked for none).
    pub name: &'static str,
    /// How messages are encoded.
    pub codec: Codec,
    /// Whether `[255, channel]` half-closes a channel (v5).
    pub close_signal: bool,
}

impl ChannelProtocol {
    /// A protocol; the close signal is on for `v5.channel.k8s.io` only.
    pub const fn new(name: &'static str, codec: Codec) -> Self {
        let close_signal = matches!(name.as_bytes(), b"v5.channel.k8s.io");
        Self {
            name,
            codec,
            close_signal,
        }
    }
}

/// The subprotocols a client asks for, from its `Sec-WebSocket-Protocol` headers (comma-separated,
/// in the client's order).
pub fn requested<'a>(header_values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    header_values
        .into_iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// The first protocol of the client's list that the server accepts, as wsstream's handshake
/// picks it; a client that asks for none gets `""` if the server accepts that.
pub fn negotiate(requested: &[String], supported: &[ChannelProtocol]) -> Option<ChannelProtocol> {
    if requested.is_empty() {
        return supported.iter().find(|p| p.name.is_empty()).copied();
    }
    requested
        .iter()
        .find_map(|name| supported.iter().find(|p| p.name == name).copied())
}

/// wsstream's refusal text when nothing matches.
pub fn refusal(requested: &[String], supported: &[ChannelProtocol]) -> String {
    let names: Vec<&str> = supported.iter().map(|p| p.name).collect();
    format!(
        "requested protocol(s) are not supported: [{}]; supports [{}]",
        requested.join(" "),
        names.join(" ")
    )
}

/// An outgoing message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A binary message.
    Binary(Vec<u8>),
    /// A text message.
    Text(String),
}

/// The message that carries `data` on `channel`.
pub fn encode(codec: Codec, channel: u8, data: &[u8]) -> Message {
    match codec {
        Codec::Binary => {
            let mut frame = Vec::with_capacity(data.len() + 1);
            frame.push(channel);
            frame.extend_from_slice(data);
            Message::Binary(frame)
        }
        Codec::Base64 => {
            let mut text = String::with_capacity(data.len() * 4 / 3 + 4);
            text.push(char::from(b'0'.wrapping_add(channel)));
            STANDARD.encode_string(data, &mut text);
            Message::Text(text)
        }
    }
}

/// What an incoming message means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// Bytes for a channel.
    Data {
        /// The channel.
        channel: u8,
        /// The bytes (decoded from base64 where the protocol says so).
        data: Vec<u8>,
    },
    /// The client half-closes a channel (v5 close signal).
    Close {
        /// The channel.
        channel: u8,
    },
    /// Nothing to do (an empty message, or a frame for a channel that does not exist).
    Ignored,
    /// A protocol error; wsstream ends the connection on these.
    Fatal(String),
    /// Bytes that do not decode (bad base64); wsstream logs and skips them.
    Skipped(String),
}

/// Decodes one message of `protocol` for a connection with `channels` channels.
pub fn decode(protocol: &ChannelProtocol, message: &[u8], channels: usize) -> Incoming {
    let Some((&first, rest)) = message.split_first() else {
        return Incoming::Ignored;
    };
    if protocol.close_signal && first == STREAM_CLOSE {
        if rest.len() != 1 {
            return Incoming::Fatal(format!(
                "Single channel byte should follow stream close signal. Got {} bytes",
                rest.len()
            ));
        }
        let channel = rest[0];
        if usize::from(channel) >= channels {
            return Incoming::Fatal(format!(
                "Close is targeted for a channel {channel} that is not valid, possible protocol error"
            ));
        }
        return Incoming::Close { channel };
    }
    let channel = match protocol.codec {
        Codec::Binary => first,
        Codec::Base64 => first.wrapping_sub(b'0'),
    };
    if usize::from(channel) >= channels {
        return Incoming::Ignored;
    }
    let data = match protocol.codec {
        Codec::Binary => rest.to_vec(),
        Codec::Base64 => match STANDARD.decode(rest) {
            Ok(data) => data,
            Err(error) => {
                return Incoming::Skipped(format!("Unable to write frame to {channel}: {error}"));
            }
        },
    };
    Incoming::Data { channel, data }
}

#[cfg(test)]
mod tests;
