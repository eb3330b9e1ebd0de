//! A SPDY/3.1 session as Kubernetes speaks it (moby/spdystream): the state of every stream, the
//! header compression contexts, and the frames to send, without any I/O. Bytes read from the
//! connection go in through [`Session::receive`], which answers with [`Event`]s; what the
//! session must send accumulates until [`Session::take_output`].
//!
//! Kubernetes' SPDY does no flow control (spdystream ignores WINDOW_UPDATE and never sends
//! one), so neither does this session: TCP is the back-pressure.

use std::collections::BTreeMap;

use super::frame::{self, Frame, FrameError, RstStatus};
use super::headers::{HeaderCompressor, HeaderDecompressor, HeaderError, Headers};

/// The largest data frame payload this session sends.
pub const MAX_DATA_CHUNK: usize = 32 * 1024;
/// The largest frame payload this session accepts (SPDY allows 16 MiB; clients send far less).
pub const MAX_RECEIVED_PAYLOAD: usize = 1 << 20;

/// Which end of the connection this session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The end that accepted the connection: its streams are even, peers' odd.
    Server,
    /// The end that made the connection: its streams are odd.
    Client,
}

/// What happened on the session, in the order the frames arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The peer opened a stream; answer with [`Session::reply`] or [`Session::reset`].
    StreamOpened {
        /// The stream.
        stream_id: u32,
        /// Its headers (`streamtype`, `port`, `requestid`, …).
        headers: Headers,
        /// The peer will send nothing on it.
        fin: bool,
    },
    /// The peer accepted a stream this session opened.
    Replied {
        /// The stream.
        stream_id: u32,
        /// The reply's headers.
        headers: Headers,
    },
    /// Data on a stream.
    Data {
        /// The stream.
        stream_id: u32,
        /// The bytes.
        data: Vec<u8>,
    },
    /// The peer will send no more data on the stream (half-close).
    RemoteFinished {
        /// The stream.
        stream_id: u32,
    },
    /// The peer reset the stream.
    Reset {
        /// The stream.
        stream_id: u32,
        /// Why.
        status: RstStatus,
    },
    /// The peer answered a ping this session sent.
    PingAnswered {
        /// The ping id.
        id: u32,
    },
    /// The peer is going away: no new streams.
    GoAway {
        /// The last stream the peer acted on.
        last_good_stream_id: u32,
    },
}

/// Why the session cannot go on (the connection should be closed after a GOAWAY).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// Bytes that are not a frame.
    #[error("SPDY framing: {0}")]
    Frame(#[from] FrameError),
    /// A header block that does not decompress or parse.
    #[error("SPDY headers: {0}")]
    Headers(#[from] HeaderError),
    /// An operation on a stream the session does not know.
    #[error("stream {0} is not open")]
    UnknownStream(u32),
    /// Data after this side finished the stream.
    #[error("stream {0} is closed for writing")]
    WriteClosed(u32),
}

#[derive(Debug, Default)]
struct StreamState {
    /// This side sent FIN (or RST).
    local_closed: bool,
    /// The peer sent FIN (or RST).
    remote_closed: bool,
}

/// A SPDY/3.1 session.
pub struct Session {
    role: Role,
    input: Vec<u8>,
    output: Vec<u8>,
    compressor: HeaderCompressor,
    decompressor: HeaderDecompressor,
    streams: BTreeMap<u32, StreamState>,
    last_remote_stream: u32,
    next_local_stream: u32,
    next_ping: u32,
    going_away: bool,
}

impl Session {
    /// A session for the accepting end (the kubelet).
    pub fn server() -> Self {
        Self::new(Role::Server)
    }

    /// A session for the connecting end (kubectl's side; used by tests and tools).
    pub fn client() -> Self {
        Self::new(Role::Client)
    }

    fn new(role: Role) -> Self {
        let (local, ping) = match role {
            Role::Server => (2, 2),
            Role::Client => (1, 1),
        };
        Self {
            role,
            input: Vec::new(),
            output: Vec::new(),
            compressor: HeaderCompressor::new(),
            decompressor: HeaderDecompressor::new(),
            streams: BTreeMap::new(),
            last_remote_stream: 0,
            next_local_stream: local,
            next_ping: ping,
            going_away: false,
        }
    }

    /// Feeds bytes read from the connection; returns what they mean. Bytes of a frame not yet
    /// complete are kept for the next call.
    pub fn receive(&mut self, bytes: &[u8]) -> Result<Vec<Event>, SessionError> {
        self.input.extend_from_slice(bytes);
        let mut events = Vec::new();
        let mut offset = 0;
        let result = loop {
            match frame::decode(&self.input[offset..], MAX_RECEIVED_PAYLOAD) {
                Ok(Some((frame, used))) => {
                    offset += used;
                    if let Err(error) = self.on_frame(frame, &mut events) {
                        break Err(error);
                    }
                }
                Ok(None) => break Ok(()),
                Err(error) => break Err(SessionError::Frame(error)),
            }
        };
        self.input.drain(..offset);
        result.map(|()| events)
    }

    fn is_remote_id(&self, stream_id: u32) -> bool {
        let odd = stream_id % 2 == 1;
        match self.role {
            Role::Server => odd,
            Role::Client => !odd,
        }
    }

    fn on_frame(&mut self, frame: Frame, events: &mut Vec<Event>) -> Result<(), SessionError> {
        match frame {
            Frame::SynStream {
                stream_id,
                fin,
                unidirectional,
                header_block,
                ..
            } => {
                // The block is decompressed even for a refused stream: the zlib stream is shared.
                let headers = self.decompressor.decompress(&header_block)?;
                if self.going_away {
                    return Ok(());
                }
                if !self.is_remote_id(stream_id) || stream_id <= self.last_remote_stream {
                    self.push(&Frame::RstStream {
                        stream_id,
                        status: RstStatus::ProtocolError,
                    });
                    return Ok(());
                }
                self.last_remote_stream = stream_id;
                self.streams.insert(
                    stream_id,
                    StreamState {
                        local_closed: unidirectional,
                        remote_closed: fin,
                    },
                );
                events.push(Event::StreamOpened {
                    stream_id,
                    headers,
                    fin,
                });
                if fin {
                    events.push(Event::RemoteFinished { stream_id });
                }
            }
            Frame::SynReply {
                stream_id,
                fin,
                header_block,
            } => {
                let headers = self.decompressor.decompress(&header_block)?;
                if self.streams.contains_key(&stream_id) {
                    events.push(Event::Replied { stream_id, headers });
                    if fin {
                        self.remote_finished(stream_id, events);
                    }
                }
            }
            Frame::Headers {
                stream_id,
                fin,
                header_block,
            } => {
                let _ = self.decompressor.decompress(&header_block)?;
                if fin {
                    self.remote_finished(stream_id, events);
                }
            }
            Frame::Data {
                stream_id,
                fin,
                data,
            } => {
                // spdystream drops data for streams it does not know; so does this session.
                let open = self
                    .streams
                    .get(&stream_id)
                    .is_some_and(|s| !s.remote_closed);
                if open {
                    if !data.is_empty() {
                        events.push(Event::Data { stream_id, data });
                    }
                    if fin {
                        self.remote_finished(stream_id, events);
                    }
                }
            }
            Frame::RstStream { stream_id, status } => {
                if self.streams.remove(&stream_id).is_some() {
                    events.push(Event::Reset { stream_id, status });
                }
            }
            Frame::Ping { id } => {
                let ours = id % 2 == self.next_ping % 2;
                if ours {
                    events.push(Event::PingAnswered { id });
                } else {
                    self.push(&Frame::Ping { id });
                }
            }
            Frame::GoAway {
                last_good_stream_id,
                ..
            } => {
                self.going_away = true;
                events.push(Event::GoAway {
                    last_good_stream_id,
                });
            }
            Frame::Settings { .. } | Frame::WindowUpdate { .. } | Frame::UnknownControl { .. } => {}
        }
        Ok(())
    }

    fn remote_finished(&mut self, stream_id: u32, events: &mut Vec<Event>) {
        if let Some(state) = self.streams.get_mut(&stream_id)
            && !state.remote_closed
        {
            state.remote_closed = true;
            events.push(Event::RemoteFinished { stream_id });
            self.forget_if_closed(stream_id);
        }
    }

    fn forget_if_closed(&mut self, stream_id: u32) {
        if self
            .streams
            .get(&stream_id)
            .is_some_and(|s| s.local_closed && s.remote_closed)
        {
            self.streams.remove(&stream_id);
        }
    }

    fn push(&mut self, frame: &Frame) {
        frame::encode(frame, &mut self.output);
    }

    /// Accepts a stream the peer opened (SYN_REPLY), as spdystream does with empty headers.
    pub fn reply(&mut self, stream_id: u32, headers: &Headers) -> Result<(), SessionError> {
        if !self.streams.contains_key(&stream_id) {
            return Err(SessionError::UnknownStream(stream_id));
        }
        let header_block = self.compressor.compress(headers);
        self.push(&Frame::SynReply {
            stream_id,
            fin: false,
            header_block,
        });
        Ok(())
    }

    /// Opens a stream (SYN_STREAM) and returns its id.
    pub fn open_stream(&mut self, headers: &Headers, fin: bool) -> u32 {
        let stream_id = self.next_local_stream;
        self.next_local_stream += 2;
        let header_block = self.compressor.compress(headers);
        self.push(&Frame::SynStream {
            stream_id,
            associated_to: 0,
            priority: 0,
            slot: 0,
            fin,
            unidirectional: false,
            header_block,
        });
        self.streams.insert(
            stream_id,
            StreamState {
                local_closed: fin,
                remote_closed: false,
            },
        );
        stream_id
    }

    /// Sends data on a stream, in frames of at most [`MAX_DATA_CHUNK`] bytes; `fin` half-closes
    /// it after the data (an empty `data` with `fin` is spdystream's `Close`).
    pub fn send_data(
        &mut self,
        stream_id: u32,
        data: &[u8],
        fin: bool,
    ) -> Result<(), SessionError> {
        let state = self
            .streams
            .get_mut(&stream_id)
            .ok_or(SessionError::UnknownStream(stream_id))?;
        if state.local_closed {
            return Err(SessionError::WriteClosed(stream_id));
        }
        if fin {
            state.local_closed = true;
        }
        let mut chunks = data.chunks(MAX_DATA_CHUNK).peekable();
        if chunks.peek().is_none() {
            self.push(&Frame::Data {
                stream_id,
                fin,
                data: Vec::new(),
            });
        }
        while let Some(chunk) = chunks.next() {
            let last = chunks.peek().is_none();
            self.push(&Frame::Data {
                stream_id,
                fin: fin && last,
                data: chunk.to_vec(),
            });
        }
        if fin {
            self.forget_if_closed(stream_id);
        }
        Ok(())
    }

    /// Resets a stream (RST_STREAM); unknown streams are ignored.
    pub fn reset(&mut self, stream_id: u32, status: RstStatus) {
        if self.streams.remove(&stream_id).is_some() {
            self.push(&Frame::RstStream { stream_id, status });
        }
    }

    /// Resets every open stream, as Kubernetes' `connection.Close` does before its GOAWAY.
    pub fn reset_all(&mut self) {
        let ids: Vec<u32> = self.streams.keys().copied().collect();
        for stream_id in ids {
            self.reset(stream_id, RstStatus::Cancel);
        }
    }

    /// Sends GOAWAY (status OK) naming the last stream the peer opened.
    pub fn go_away(&mut self) {
        if self.going_away {
            return;
        }
        self.going_away = true;
        let last_good_stream_id = self.last_remote_stream;
        self.push(&Frame::GoAway {
            last_good_stream_id,
            status: 0,
        });
    }

    /// Sends a PING and returns its id.
    pub fn ping(&mut self) -> u32 {
        let id = self.next_ping;
        self.next_ping = self.next_ping.wrapping_add(2);
        self.push(&Frame::Ping { id });
        id
    }

    /// Whether `stream_id` is open in at least one direction.
    pub fn is_open(&self, stream_id: u32) -> bool {
        self.streams.contains_key(&stream_id)
    }

    /// The number of open streams.
    pub fn open_streams(&self) -> usize {
        self.streams.len()
    }

    /// The bytes to write to the connection, handed over once.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }
}

#[cfg(test)]
mod tests;
