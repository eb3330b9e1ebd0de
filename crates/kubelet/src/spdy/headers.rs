//! SPDY/3 name/value header blocks (section 2.6.10) and their compression: one zlib stream per
//! direction for the whole session, primed with the SPDY/3 dictionary, each block ended with a
//! sync flush. Names are lowercase; several values of one name travel NUL-separated.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::dictionary::dictionary;

/// The largest decompressed header block accepted (a zlib bomb stops here).
pub const MAX_DECOMPRESSED: usize = 1 << 20;

/// A stream's headers: lowercase names, in order, a name repeated for several values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value (the name is lowercased, as SPDY requires).
    pub fn add(&mut self, name: &str, value: &str) {
        self.0.push((name.to_ascii_lowercase(), value.to_string()));
    }

    /// With a value added.
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.add(name, value);
        self
    }

    /// The first value of `name`, compared without case (Go's `http.Header.Get`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every (name, value) pair.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why a header block is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The zlib stream is corrupt or was primed with another dictionary.
    #[error("header block does not decompress: {0}")]
    Compression(String),
    /// The block decompresses to more than [`MAX_DECOMPRESSED`] bytes.
    #[error("header block larger than {MAX_DECOMPRESSED} bytes")]
    TooLarge,
    /// The name/value block ends early or its counts do not add up.
    #[error("truncated name/value block")]
    Truncated,
    /// A header name with upper-case letters (SPDY requires lowercase).
    #[error("header name {0:?} is not lowercase")]
    NotLowercase(String),
    /// A header name given twice.
    #[error("header {0:?} appears twice")]
    Duplicate(String),
    /// A name or value that is not UTF-8.
    #[error("header is not UTF-8")]
    NotUtf8,
}

/// Writes the uncompressed name/value block of `headers`.
pub fn encode_block(headers: &Headers) -> Vec<u8> {
    let mut names: Vec<&str> = Vec::new();
    for (name, _) in headers.iter() {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let mut out = Vec::new();
    out.extend_from_slice(&(names.len() as u32).to_be_bytes());
    for name in names {
        let value = headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .collect::<Vec<_>>()
            .join("\0");
        out.extend_from_slice(&(name.len() as u32).to_be_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value.as_bytes());
    }
    out
}

/// Reads an uncompressed name/value block (pure; fuzzable).
pub fn decode_block(block: &[u8]) -> Result<Headers, HeaderError> {
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8], HeaderError> {
        let end = at.checked_add(n).ok_or(HeaderError::Truncated)?;
        let slice = block.get(at..end).ok_or(HeaderError::Truncated)?;
        at = end;
        Ok(slice)
    };
    let read_u32 = |bytes: &[u8]| u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let count = read_u32(take(4)?) as usize;
    let mut headers = Headers::new();
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..count {
        let name_len = read_u32(take(4)?) as usize;
        let name = std::str::from_utf8(take(name_len)?).map_err(|_| HeaderError::NotUtf8)?;
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(HeaderError::NotLowercase(name.to_string()));
        }
        if seen.iter().any(|s| s == name) {
            return Err(HeaderError::Duplicate(name.to_string()));
        }
        seen.push(name.to_string());
        let value_len = read_u32(take(4)?) as usize;
        let value = std::str::from_utf8(take(value_len)?).map_err(|_| HeaderError::NotUtf8)?;
        for part in value.split('\0') {
            headers.add(name, part);
        }
    }
    Ok(headers)
}

/// The compressing side of a session: one zlib stream for every header block it sends.
pub struct HeaderCompressor {
    zlib: Compress,
}

impl HeaderCompressor {
    /// A compressor primed with the SPDY/3 dictionary (best compression, as Go's framer).
    pub fn new() -> Self {
        let mut zlib = Compress::new(Compression::best(), true);
        // A fresh stream always accepts a dictionary; the error branch cannot be reached.
        let _ = zlib.set_dictionary(&dictionary());
        Self { zlib }
    }

    /// The compressed header block of `headers`, ended with a sync flush.
    pub fn compress(&mut self, headers: &Headers) -> Vec<u8> {
        let block = encode_block(headers);
        let mut out = Vec::with_capacity(block.len() + 64);
        let mut consumed = 0usize;
        loop {
            if out.len() == out.capacity() {
                out.reserve(256);
            }
            let before = self.zlib.total_in();
            let status = self
                .zlib
                .compress_vec(&block[consumed..], &mut out, FlushCompress::Sync);
            consumed += (self.zlib.total_in() - before) as usize;
            let finished = consumed == block.len() && out.len() < out.capacity();
            if finished || !matches!(status, Ok(Status::Ok | Status::BufError)) {
                break;
            }
        }
        out
    }
}

impl Default for HeaderCompressor {
    fn default() -> Self {
        Self::new()
    }
}

/// The decompressing side of a session.
pub struct HeaderDecompressor {
    zlib: Decompress,
}

impl HeaderDecompressor {
    /// A decompressor that answers the stream's dictionary request with the SPDY/3 dictionary.
    pub fn new() -> Self {
        Self {
            zlib: Decompress::new(true),
        }
    }

    /// Decompresses one header block and parses it.
    pub fn decompress(&mut self, compressed: &[u8]) -> Result<Headers, HeaderError> {
        let mut out: Vec<u8> = Vec::with_capacity(compressed.len() * 4 + 64);
        let mut consumed = 0usize;
        loop {
            if out.len() == out.capacity() {
                if out.len() >= MAX_DECOMPRESSED {
                    return Err(HeaderError::TooLarge);
                }
                out.reserve(out.len().max(256));
            }
            let (before_in, before_out) = (self.zlib.total_in(), self.zlib.total_out());
            match self
                .zlib
                .decompress_vec(&compressed[consumed..], &mut out, FlushDecompress::Sync)
            {
                Ok(_) => {}
                Err(error) if error.needs_dictionary().is_some() => {
                    consumed += (self.zlib.total_in() - before_in) as usize;
                    self.zlib
                        .set_dictionary(&dictionary())
                        .map_err(|e| HeaderError::Compression(e.to_string()))?;
                    continue;
                }
                Err(error) => return Err(HeaderError::Compression(error.to_string())),
            }
            consumed += (self.zlib.total_in() - before_in) as usize;
            let progressed =
                self.zlib.total_in() != before_in || self.zlib.total_out() != before_out;
            if (consumed == compressed.len() && out.len() < out.capacity()) || !progressed {
                break;
            }
        }
        if out.len() > MAX_DECOMPRESSED {
            return Err(HeaderError::TooLarge);
        }
        if consumed != compressed.len() {
            return Err(HeaderError::Compression(
                "trailing bytes after the block".into(),
            ));
        }
        decode_block(&out)
    }
}

impl Default for HeaderDecompressor {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests;
