//! The log backend (`--audit-log-path`): one event a line, as JSON (`--audit-log-format=json`,
//! the default) or the legacy text, to a file rotated as kube-apiserver rotates it, or to
//! standard output (`-`). In the default blocking mode a request's event is written before the
//! request goes on; in batch mode a thread of its own writes them.

use std::io::{self, Write as _};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::buffered::{Batch, BatchConfig, Buffered, Deliver};
use super::rotate::{RotatingFile, Rotation};
use super::{Backend, Counters, Mode, Plugin, StartError, clock};
use crate::emitted::EventJson;

/// `--audit-log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// One JSON object a line (`audit.k8s.io/v1` Event).
    #[default]
    Json,
    /// `audit.EventString`'s one-line text.
    Legacy,
}

impl Format {
    /// Reads the flag's value, with kube-apiserver's error.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "json" => Ok(Format::Json),
            "legacy" => Ok(Format::Legacy),
            other => Err(format!(
                "invalid audit log format {other}, allowed formats are \"legacy,json\""
            )),
        }
    }

    /// Appends the event's line, with its newline: the JSON as it is, or the legacy line of the
    /// event read back from it (nothing for a text that is not an event, which the recorder
    /// never hands over).
    pub fn write_line(self, event: EventJson<'_>, out: &mut String) {
        match self {
            Format::Json => out.push_str(event.as_str()),
            Format::Legacy => match event.decode() {
                Some(event) => out.push_str(&event.legacy_line()),
                None => return,
            },
        }
        out.push('\n');
    }
}

/// The log flags.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// `--audit-log-path`; `-` is standard output.
    pub path: String,
    /// `--audit-log-maxsize`, `-maxbackup`, `-maxage`.
    pub rotation: Rotation,
    /// `--audit-log-format`.
    pub format: Format,
    /// `--audit-log-mode` (blocking by default).
    pub mode: Mode,
    /// `--audit-log-batch-*`.
    pub batch: BatchConfig,
}

impl Options {
    /// The defaults for `path`.
    pub fn new(path: &str) -> Self {
        Self {
            path: path.to_string(),
            rotation: Rotation::default(),
            format: Format::Json,
            mode: Mode::Blocking,
            batch: BatchConfig::log(),
        }
    }
}

/// Where lines go.
#[derive(Debug)]
enum Output {
    Stdout,
    File(RotatingFile),
}

impl Output {
    fn open(options: &Options) -> Result<Self, StartError> {
        if options.path == "-" {
            return Ok(Output::Stdout);
        }
        RotatingFile::create(&PathBuf::from(&options.path), options.rotation)
            .map(Output::File)
            .map_err(|source| StartError::Log {
                path: options.path.clone(),
                source,
            })
    }

    /// Writes `text`, which is `lines` (`count` of them) one after another; how many could not
    /// be written, and the last error.
    fn write_lines<'a>(
        &mut self,
        text: &str,
        lines: impl Iterator<Item = &'a str>,
        count: usize,
    ) -> Result<(), (usize, io::Error)> {
        match self {
            Output::Stdout => {
                let mut stdout = io::stdout().lock();
                let written = stdout
                    .write_all(text.as_bytes())
                    .and_then(|()| stdout.flush());
                written.map_err(|error| (count, error))
            }
            Output::File(file) => {
                let now = clock::now();
                // The common case: the lines fit in the file as it is, and go in one write.
                if file.fits(text.len()) {
                    return file.write(text.as_bytes(), now).map_err(|e| (count, e));
                }
                let mut failed = 0;
                let mut last = None;
                // Lines that fit together are written at once; a rotation falls between lines,
                // where writing them one by one would put it.
                let mut pending: Vec<u8> = Vec::new();
                for line in lines {
                    if !pending.is_empty() && !file.fits(pending.len() + line.len()) {
                        if let Err(error) = file.write(&pending, now) {
                            failed += count_lines(&pending);
                            last = Some(error);
                        }
                        pending.clear();
                    }
                    if pending.is_empty() && !file.fits(line.len()) {
                        if let Err(error) = file.write(line.as_bytes(), now) {
                            failed += 1;
                            last = Some(error);
                        }
                        continue;
                    }
                    pending.extend_from_slice(line.as_bytes());
                }
                if !pending.is_empty()
                    && let Err(error) = file.write(&pending, now)
                {
                    failed += count_lines(&pending);
                    last = Some(error);
                }
                match last {
                    None => Ok(()),
                    Some(error) => Err((failed, error)),
                }
            }
        }
    }
}

fn count_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}

/// Starts the log backend `options` describe.
pub fn start(options: &Options, counters: Arc<Counters>) -> Result<Box<dyn Backend>, StartError> {
    let output = Output::open(options)?;
    match options.mode {
        Mode::Batch => {
            let writer = Writer {
                output,
                counters: counters.clone(),
            };
            let format = options.format;
            let encode = Box::new(move |event: EventJson<'_>, out: &mut String| {
                format.write_line(event, out);
            });
            let buffered = Buffered::start(Plugin::Log, options.batch, encode, writer, counters)
                .map_err(|source| StartError::Log {
                    path: options.path.clone(),
                    source,
                })?;
            Ok(Box::new(buffered))
        }
        Mode::Blocking | Mode::BlockingStrict => Ok(Box::new(Blocking {
            output: Mutex::new((output, String::new())),
            format: options.format,
            strict: options.mode == Mode::BlockingStrict,
            counters,
        })),
    }
}

/// Writes each event in the request that records it (through a line buffer it reuses).
struct Blocking {
    output: Mutex<(Output, String)>,
    format: Format,
    strict: bool,
    counters: Arc<Counters>,
}

impl Backend for Blocking {
    fn process(&self, event: EventJson<'_>) -> bool {
        let mut guard = self.output.lock().unwrap_or_else(|e| e.into_inner());
        let (output, line) = &mut *guard;
        line.clear();
        self.format.write_line(event, line);
        let text: &str = line;
        let written = output.write_lines(text, std::iter::once(text), 1);
        match written {
            Ok(()) => true,
            Err((failed, error)) => {
                self.counters.failed(Plugin::Log, failed, &error);
                !self.strict
            }
        }
    }

    fn shutdown(&self) {}
}

/// Writes batches of lines on the buffered backend's thread.
struct Writer {
    output: Output,
    counters: Arc<Counters>,
}

impl Deliver for Writer {
    fn deliver(&mut self, batch: &Batch) {
        if let Err((failed, error)) =
            self.output
                .write_lines(batch.text(), batch.iter(), batch.len())
        {
            self.counters.failed(Plugin::Log, failed, &error);
        }
    }
}

#[cfg(test)]
mod tests;
