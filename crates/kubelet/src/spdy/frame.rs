//! SPDY/3 frames on the wire (draft 3, section 2.2): decoding from a byte buffer and encoding
//! into one. Header blocks stay compressed here; the session owns the zlib contexts.
//!
//! [`decode`] is a pure function of its input, the entry point for fuzzing: any byte string
//! gives a frame, "need more bytes", or an error, never a panic.

/// The protocol version this codec speaks.
pub const VERSION: u16 = 3;
/// The largest payload a frame's 24-bit length can carry.
pub const MAX_PAYLOAD: usize = (1 << 24) - 1;
/// The length of a frame header (control and data alike).
pub const HEADER_LEN: usize = 8;

/// Control frame types.
mod kind {
    pub const SYN_STREAM: u16 = 1;
    pub const SYN_REPLY: u16 = 2;
    pub const RST_STREAM: u16 = 3;
    pub const SETTINGS: u16 = 4;
    pub const PING: u16 = 6;
    pub const GOAWAY: u16 = 7;
    pub const HEADERS: u16 = 8;
    pub const WINDOW_UPDATE: u16 = 9;
}

/// `FLAG_FIN` of data frames and of SYN_STREAM, SYN_REPLY and HEADERS.
pub const FLAG_FIN: u8 = 0x01;
/// `FLAG_UNIDIRECTIONAL` of SYN_STREAM.
pub const FLAG_UNIDIRECTIONAL: u8 = 0x02;

/// RST_STREAM status codes (section 2.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RstStatus {
    /// 1: a generic error.
    ProtocolError,
    /// 2: a frame for a stream that is not active.
    InvalidStream,
    /// 3: the stream was refused before any processing.
    RefusedStream,
    /// 4: the version is not supported.
    UnsupportedVersion,
    /// 5: the stream is no longer needed.
    Cancel,
    /// 6: an internal error.
    InternalError,
    /// 7: the peer violated flow control.
    FlowControlError,
    /// 8: a SYN_STREAM for a stream already open.
    StreamInUse,
    /// 9: data or a SYN_REPLY for a half-closed stream.
    StreamAlreadyClosed,
    /// 11: a frame larger than the endpoint supports.
    FrameTooLarge,
    /// Any other code.
    Other(u32),
}

impl RstStatus {
    /// The status code on the wire.
    pub fn code(self) -> u32 {
        match self {
            Self::ProtocolError => 1,
            Self::InvalidStream => 2,
            Self::RefusedStream => 3,
            Self::UnsupportedVersion => 4,
            Self::Cancel => 5,
            Self::InternalError => 6,
            Self::FlowControlError => 7,
            Self::StreamInUse => 8,
            Self::StreamAlreadyClosed => 9,
            Self::FrameTooLarge => 11,
            Self::Other(code) => code,
        }
    }

    /// The status of a wire code.
    pub fn from_code(code: u32) -> Self {
        match code {
            1 => Self::ProtocolError,
            2 => Self::InvalidStream,
            3 => Self::RefusedStream,
            4 => Self::UnsupportedVersion,
            5 => Self::Cancel,
            6 => Self::InternalError,
            7 => Self::FlowControlError,
            8 => Self::StreamInUse,
            9 => Self::StreamAlreadyClosed,
            11 => Self::FrameTooLarge,
            other => Self::Other(other),
        }
    }
}

/// One setting of a SETTINGS frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The per-setting flags (persist, persisted).
    pub flags: u8,
    /// The 24-bit setting id.
    pub id: u32,
    /// Its value.
    pub value: u32,
}

/// A decoded frame. Header blocks (`header_block`) are the compressed bytes as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Frame {
    /// DATA.
    Data {
        /// The stream (31 bits, never 0).
        stream_id: u32,
        /// The sender will send no more data on the stream.
        fin: bool,
        /// The payload.
        data: Vec<u8>,
    },
    /// SYN_STREAM: the sender opens a stream.
    SynStream {
        /// The new stream.
        stream_id: u32,
        /// The stream this one is associated to (0: none).
        associated_to: u32,
        /// Priority, 0 (highest) to 7.
        priority: u8,
        /// The credential slot.
        slot: u8,
        /// The sender will send nothing more on the stream.
        fin: bool,
        /// The stream is half-closed for the receiver from the start.
        unidirectional: bool,
        /// The compressed name/value header block.
        header_block: Vec<u8>,
    },
    /// SYN_REPLY: the receiver of a SYN_STREAM accepts it.
    SynReply {
        /// The stream.
        stream_id: u32,
        /// The sender will send nothing more on the stream.
        fin: bool,
        /// The compressed name/value header block.
        header_block: Vec<u8>,
    },
    /// RST_STREAM: the stream ends abnormally.
    RstStream {
        /// The stream.
        stream_id: u32,
        /// Why.
        status: RstStatus,
    },
    /// SETTINGS.
    Settings {
        /// `FLAG_SETTINGS_CLEAR_SETTINGS`.
        clear: bool,
        /// The settings.
        entries: Vec<Setting>,
    },
    /// PING: echoed by the receiver.
    Ping {
        /// The ping id (odd from clients, even from servers).
        id: u32,
    },
    /// GOAWAY: no new streams on this session.
    GoAway {
        /// The last stream the sender acted on.
        last_good_stream_id: u32,
        /// 0 OK, 1 PROTOCOL_ERROR, 2 INTERNAL_ERROR.
        status: u32,
    },
    /// HEADERS: more headers for a stream.
    Headers {
        /// The stream.
        stream_id: u32,
        /// The sender will send nothing more on the stream.
        fin: bool,
        /// The compressed name/value header block.
        header_block: Vec<u8>,
    },
    /// WINDOW_UPDATE.
    WindowUpdate {
        /// The stream.
        stream_id: u32,
        /// How many bytes more the sender may receive.
        delta: u32,
    },
    /// A control frame of a type this codec does not know; the spec says to ignore it.
    UnknownControl {
        /// Its type.
        frame_type: u16,
    },
}

/// Why bytes are not a valid frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A control frame of a version other than 3.
    #[error("unsupported SPDY version {0}")]
    UnsupportedVersion(u16),
    /// A frame whose length does not fit its type.
    #[error("invalid {frame} frame: length {length}")]
    InvalidLength {
        /// The frame type.
        frame: &'static str,
        /// The length field.
        length: usize,
    },
    /// A frame naming stream 0 where a stream is required.
    #[error("{0} frame with stream id 0")]
    ZeroStreamId(&'static str),
    /// A RST_STREAM with status 0.
    #[error("RST_STREAM with status 0")]
    ZeroStatus,
    /// A frame longer than the receiver accepts.
    #[error("frame of {length} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// The frame's payload length.
        length: usize,
        /// The limit.
        limit: usize,
    },
}

fn u32_at(buf: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&buf[at..at + 4]);
    u32::from_be_bytes(word)
}

/// Decodes the first frame of `buf`: `Ok(None)` when more bytes are needed, else the frame and
/// how many bytes it took. Payloads longer than `max_payload` are refused before buffering.
pub fn decode(buf: &[u8], max_payload: usize) -> Result<Option<(Frame, usize)>, FrameError> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    let first = u32_at(buf, 0);
    let second = u32_at(buf, 4);
    let flags = (second >> 24) as u8;
    let length = (second & 0x00ff_ffff) as usize;
    if length > max_payload {
        return Err(FrameError::TooLarge {
            length,
            limit: max_payload,
        });
    }
    if buf.len() < HEADER_LEN + length {
        return Ok(None);
    }
    let payload = &buf[HEADER_LEN..HEADER_LEN + length];
    let consumed = HEADER_LEN + length;
    if first & 0x8000_0000 == 0 {
        let stream_id = first & 0x7fff_ffff;
        if stream_id == 0 {
            return Err(FrameError::ZeroStreamId("DATA"));
        }
        let frame = Frame::Data {
            stream_id,
            fin: flags & FLAG_FIN != 0,
            data: payload.to_vec(),
        };
        return Ok(Some((frame, consumed)));
    }
    let version = ((first >> 16) & 0x7fff) as u16;
    if version != VERSION {
        return Err(FrameError::UnsupportedVersion(version));
    }
    let frame_type = (first & 0xffff) as u16;
    decode_control(frame_type, flags, payload).map(|frame| Some((frame, consumed)))
}

fn invalid(frame: &'static str, length: usize) -> FrameError {
    FrameError::InvalidLength { frame, length }
}

fn stream_id(payload: &[u8], frame: &'static str) -> Result<u32, FrameError> {
    let id = u32_at(payload, 0) & 0x7fff_ffff;
    if id == 0 {
        return Err(FrameError::ZeroStreamId(frame));
    }
    Ok(id)
}

fn decode_control(frame_type: u16, flags: u8, payload: &[u8]) -> Result<Frame, FrameError> {
    let length = payload.len();
    let fin = flags & FLAG_FIN != 0;
    match frame_type {
        kind::SYN_STREAM => {
            if length < 10 {
                return Err(invalid("SYN_STREAM", length));
            }
            Ok(Frame::SynStream {
                stream_id: stream_id(payload, "SYN_STREAM")?,
                associated_to: u32_at(payload, 4) & 0x7fff_ffff,
                priority: payload[8] >> 5,
                slot: payload[9],
                fin,
                unidirectional: flags & FLAG_UNIDIRECTIONAL != 0,
                header_block: payload[10..].to_vec(),
            })
        }
        kind::SYN_REPLY | kind::HEADERS => {
            let name = if frame_type == kind::SYN_REPLY {
                "SYN_REPLY"
            } else {
                "HEADERS"
            };
            if length < 4 {
                return Err(invalid(name, length));
            }
            let stream_id = stream_id(payload, name)?;
            let header_block = payload[4..].to_vec();
            Ok(if frame_type == kind::SYN_REPLY {
                Frame::SynReply {
                    stream_id,
                    fin,
                    header_block,
                }
            } else {
                Frame::Headers {
                    stream_id,
                    fin,
                    header_block,
                }
            })
        }
        kind::RST_STREAM => {
            if length != 8 {
                return Err(invalid("RST_STREAM", length));
            }
            let stream_id = stream_id(payload, "RST_STREAM")?;
            let code = u32_at(payload, 4);
            if code == 0 {
                return Err(FrameError::ZeroStatus);
            }
            Ok(Frame::RstStream {
                stream_id,
                status: RstStatus::from_code(code),
            })
        }
        kind::SETTINGS => {
            if length < 4 {
                return Err(invalid("SETTINGS", length));
            }
            let count = u32_at(payload, 0) as usize;
            if count.checked_mul(8).and_then(|n| n.checked_add(4)) != Some(length) {
                return Err(invalid("SETTINGS", length));
            }
            let entries = (0..count)
                .map(|i| {
                    let at = 4 + i * 8;
                    let word = u32_at(payload, at);
                    Setting {
                        flags: (word >> 24) as u8,
                        id: word & 0x00ff_ffff,
                        value: u32_at(payload, at + 4),
                    }
                })
                .collect();
            Ok(Frame::Settings {
                clear: fin,
                entries,
            })
        }
        kind::PING => {
            if length != 4 {
                return Err(invalid("PING", length));
            }
            Ok(Frame::Ping {
                id: u32_at(payload, 0),
            })
        }
        kind::GOAWAY => {
            if length != 8 {
                return Err(invalid("GOAWAY", length));
            }
            Ok(Frame::GoAway {
                last_good_stream_id: u32_at(payload, 0) & 0x7fff_ffff,
                status: u32_at(payload, 4),
            })
        }
        kind::WINDOW_UPDATE => {
            if length != 8 {
                return Err(invalid("WINDOW_UPDATE", length));
            }
            Ok(Frame::WindowUpdate {
                stream_id: u32_at(payload, 0) & 0x7fff_ffff,
                delta: u32_at(payload, 4) & 0x7fff_ffff,
            })
        }
        other => Ok(Frame::UnknownControl { frame_type: other }),
    }
}

fn control_header(out: &mut Vec<u8>, frame_type: u16, flags: u8, length: usize) {
    out.extend_from_slice(
        &(0x8000_0000 | (u32::from(VERSION) << 16) | u32::from(frame_type)).to_be_bytes(),
    );
    out.extend_from_slice(&((u32::from(flags) << 24) | length as u32).to_be_bytes());
}

/// Appends `frame` to `out`. Payloads must fit the 24-bit length ([`MAX_PAYLOAD`]); the session
/// splits data before it gets here.
pub fn encode(frame: &Frame, out: &mut Vec<u8>) {
    let fin_flag = |fin: bool| if fin { FLAG_FIN } else { 0 };
    match frame {
        Frame::Data {
            stream_id,
            fin,
            data,
        } => {
            out.extend_from_slice(&(stream_id & 0x7fff_ffff).to_be_bytes());
            out.extend_from_slice(
                &((u32::from(fin_flag(*fin)) << 24) | data.len() as u32).to_be_bytes(),
            );
            out.extend_from_slice(data);
        }
        Frame::SynStream {
            stream_id,
            associated_to,
            priority,
            slot,
            fin,
            unidirectional,
            header_block,
        } => {
            let flags = fin_flag(*fin)
                | if *unidirectional {
                    FLAG_UNIDIRECTIONAL
                } else {
                    0
                };
            control_header(out, kind::SYN_STREAM, flags, 10 + header_block.len());
            out.extend_from_slice(&(stream_id & 0x7fff_ffff).to_be_bytes());
            out.extend_from_slice(&(associated_to & 0x7fff_ffff).to_be_bytes());
            out.push((priority & 0x07) << 5);
            out.push(*slot);
            out.extend_from_slice(header_block);
        }
        Frame::SynReply {
            stream_id,
            fin,
            header_block,
        } => {
            control_header(out, kind::SYN_REPLY, fin_flag(*fin), 4 + header_block.len());
            out.extend_from_slice(&(stream_id & 0x7fff_ffff).to_be_bytes());
            out.extend_from_slice(header_block);
        }
        Frame::Headers {
            stream_id,
            fin,
            header_block,
        } => {
            control_header(out, kind::HEADERS, fin_flag(*fin), 4 + header_block.len());
            out.extend_from_slice(&(stream_id & 0x7fff_ffff).to_be_bytes());
            out.extend_from_slice(header_block);
        }
        Frame::RstStream { stream_id, status } => {
            control_header(out, kind::RST_STREAM, 0, 8);
            out.extend_from_slice(&(stream_id & 0x7fff_ffff).to_be_bytes());
            out.extend_from_slice(&status.code().to_be_bytes());
        }
        Frame::Settings { clear, entries } => {
            control_header(out, kind::SETTINGS, fin_flag(*clear), 4 + 8 * entries.len());
            out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
            for entry in entries {
                out.extend_from_slice(
                    &((u32::from(entry.flags) << 24) | (entry.id & 0x00ff_ffff)).to_be_bytes(),
                );
                out.extend_from_slice(&entry.value.to_be_bytes());
            }
        }
        Frame::Ping { id } => {
            control_header(out, kind::PING, 0, 4);
            out.extend_from_slice(&id.to_be_bytes());
        }
        Frame::GoAway {
            last_good_stream_id,
            status,
        } => {
            control_header(out, kind::GOAWAY, 0, 8);
            out.extend_from_slice(&(last_good_stream_id & 0x7fff_ffff).to_be_bytes());
            out.extend_from_slice(&status.to_be_bytes());
        }
        Frame::WindowUpdate { stream_id, delta } => {
            control_header(out, kind::WINDOW_UPDATE, 0, 8);
            out.extend_from_slice(&(stream_id & 0x7fff_ffff).to_be_bytes());
            out.extend_from_slice(&(delta & 0x7fff_ffff).to_be_bytes());
        }
        Frame::UnknownControl { frame_type } => control_header(out, *frame_type, 0, 0),
    }
}

#[cfg(test)]
mod tests;
