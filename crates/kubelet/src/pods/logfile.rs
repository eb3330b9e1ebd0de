//! Container logs in the CRI format the kubelet reads (`<RFC 3339 time> <stream> <P|F> <text>`,
//! one line per entry, `P` for a line the runtime split), and the `containerLogs` options as the
//! kubelet applies them. Pure: bytes and times in, bytes out.

use k8s_openapi::jiff::Timestamp;

/// The longest line written as one entry; longer ones are split into partial (`P`) entries, as
/// containerd does at 16 KiB.
pub const MAX_LINE: usize = 16 * 1024;

/// Which output a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Self::Stdout => "stdout",
            Self::Stderr => "stderr",
        }
    }
}

/// A timestamp as the kubelet writes it (`RFC3339NanoFixed`: always nine fraction digits).
pub fn format_time(time: Timestamp) -> String {
    k8s_openapi::jiff::fmt::strtime::format("%Y-%m-%dT%H:%M:%S.%fZ", time)
        .map(|s| fix_nanos(&s))
        .unwrap_or_default()
}

/// `%f` prints only the digits needed; the kubelet always prints nine.
fn fix_nanos(text: &str) -> String {
    match text.split_once('.') {
        Some((seconds, rest)) => {
            let digits = rest.trim_end_matches('Z');
            format!("{seconds}.{digits:0<9}Z")
        }
        None => text.to_string(),
    }
}

/// Splits a process's output into log entries, keeping an unfinished line for the next chunk.
#[derive(Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    /// A splitter with nothing pending.
    pub fn new() -> Self {
        Self::default()
    }

    /// The log lines for `chunk` read at `now` (complete lines, and `P` pieces of over-long
    /// ones).
    pub fn push(&mut self, stream: Stream, chunk: &[u8], now: Timestamp) -> Vec<u8> {
        self.pending.extend_from_slice(chunk);
        let mut out = Vec::new();
        loop {
            let newline = self.pending.iter().position(|&b| b == b'\n');
            if let Some(end) = newline.filter(|&end| end <= MAX_LINE) {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                write_entry(&mut out, now, stream, false, &line[..line.len() - 1]);
            } else if self.pending.len() >= MAX_LINE {
                let piece: Vec<u8> = self.pending.drain(..MAX_LINE).collect();
                write_entry(&mut out, now, stream, true, &piece);
            } else {
                break;
            }
        }
        out
    }

    /// The entry for what is left when the stream ends (a last line without newline).
    pub fn finish(&mut self, stream: Stream, now: Timestamp) -> Vec<u8> {
        let mut out = Vec::new();
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            write_entry(&mut out, now, stream, false, &rest);
        }
        out
    }
}

fn write_entry(out: &mut Vec<u8>, now: Timestamp, stream: Stream, partial: bool, text: &[u8]) {
    out.extend_from_slice(format_time(now).as_bytes());
    out.push(b' ');
    out.extend_from_slice(stream.name().as_bytes());
    out.extend_from_slice(if partial { b" P " } else { b" F " });
    out.extend_from_slice(text);
    out.push(b'\n');
}

/// One parsed log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// When the runtime read it.
    pub time: Timestamp,
    /// The stream.
    pub stream: Stream,
    /// A piece of a longer line (no newline follows).
    pub partial: bool,
    /// The text, without the newline.
    pub text: Vec<u8>,
}

/// Parses one line of a CRI log file (without its newline); `None` for a malformed line.
pub fn parse_entry(line: &[u8]) -> Option<Entry> {
    let mut parts = line.splitn(4, |&b| b == b' ');
    let time = std::str::from_utf8(parts.next()?).ok()?.parse().ok()?;
    let stream = match parts.next()? {
        b"stdout" => Stream::Stdout,
        b"stderr" => Stream::Stderr,
        _ => return None,
    };
    let partial = match parts.next()? {
        b"P" => true,
        b"F" => false,
        _ => return None,
    };
    let text = parts.next().unwrap_or_default().to_vec();
    Some(Entry {
        time,
        stream,
        partial,
        text,
    })
}

/// The `containerLogs` options (`PodLogOptions` as query parameters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// Keep streaming until the container stops.
    pub follow: bool,
    /// The previous instance's log.
    pub previous: bool,
    /// Prefix each line with its time.
    pub timestamps: bool,
    /// Only the last n lines.
    pub tail_lines: Option<u64>,
    /// At most n bytes.
    pub limit_bytes: Option<u64>,
    /// Only entries at or after this time.
    pub since: Option<Timestamp>,
}

impl LogOptions {
    /// The options of the query pairs, with the kubelet's answers to bad ones: `(400,
    /// {"message": "Unable to decode query."})` or `(422, {"message": "Invalid request."})`.
    pub fn from_query(pairs: &[(String, String)], now: Timestamp) -> Result<Self, (u16, String)> {
        let decode_error = || (400, r#"{"message": "Unable to decode query."}"#.to_string());
        let invalid = || (422, r#"{"message": "Invalid request."}"#.to_string());
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let flag = |name: &str| -> Result<bool, (u16, String)> {
            match get(name) {
                None | Some("false") | Some("0") => Ok(false),
                Some("true") | Some("1") | Some("") => Ok(true),
                Some(_) => Err(decode_error()),
            }
        };
        let number = |name: &str| -> Result<Option<i64>, (u16, String)> {
            get(name)
                .map(|v| v.parse::<i64>().map_err(|_| decode_error()))
                .transpose()
        };
        // `tail` is the kubelet's old spelling of tailLines; "all" means no limit.
        let tail = match get("tail") {
            Some("all") => None,
            Some(v) => Some(v.parse::<i64>().map_err(|_| decode_error())?),
            None => number("tailLines")?,
        };
        let limit_bytes = number("limitBytes")?;
        let since_seconds = number("sinceSeconds")?;
        let since_time = get("sinceTime")
            .map(|v| v.parse::<Timestamp>().map_err(|_| decode_error()))
            .transpose()?;
        if tail.is_some_and(|t| t < 0)
            || limit_bytes.is_some_and(|b| b < 1)
            || since_seconds.is_some_and(|s| s < 1)
            || (since_seconds.is_some() && since_time.is_some())
        {
            return Err(invalid());
        }
        let since = match (since_seconds, since_time) {
            (Some(seconds), _) => Some(
                now.checked_sub(k8s_openapi::jiff::SignedDuration::from_secs(seconds))
                    .unwrap_or(Timestamp::UNIX_EPOCH),
            ),
            (None, time) => time,
        };
        Ok(Self {
            follow: flag("follow")?,
            previous: flag("previous")?,
            timestamps: flag("timestamps")?,
            tail_lines: tail.map(|t| t as u64),
            limit_bytes: limit_bytes.map(|b| b as u64),
            since,
        })
    }
}

/// What a client gets for one entry: the text, a newline unless partial, the time in front
/// when asked (`timestamps=true`).
pub fn render(entry: &Entry, timestamps: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(entry.text.len() + 32);
    if timestamps {
        out.extend_from_slice(format_time(entry.time).as_bytes());
        out.push(b' ');
    }
    out.extend_from_slice(&entry.text);
    if !entry.partial {
        out.push(b'\n');
    }
    out
}

/// The entries of a whole log file that the options select before any following: `since`,
/// then the last `tail_lines` lines (a line is its partial pieces and the full entry ending it).
pub fn select(content: &[u8], options: &LogOptions) -> Vec<Entry> {
    let entries: Vec<Entry> = content
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(parse_entry)
        .filter(|e| options.since.is_none_or(|since| e.time >= since))
        .collect();
    let Some(tail) = options.tail_lines else {
        return entries;
    };
    let mut lines = 0u64;
    let mut start = entries.len();
    for (i, entry) in entries.iter().enumerate().rev() {
        if !entry.partial {
            if lines == tail {
                break;
            }
            lines += 1;
        }
        start = i;
    }
    entries[start..].to_vec()
}

#[cfg(test)]
mod tests;
