//! The log backend (`--audit-log-path`): one event a line, as JSON (`--audit-log-format=json`,
//! the default) or the legacy text, to a file rotated as kube-apiserver rotates it, or to
//! standard output (`-`). In the default blocking mode a request's event is written before the
//! request goes on; in batch mode a thread of its own writes them.

use std::io::{self, Write as _};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::buffered::{BatchConfig, Buffered, Deliver};
use super::rotate::{RotatingFile, Rotation};
use super::{Backend, Counters, Mode, Plugin, StartError, clock};
use crate::event::Event;

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

    /// The event's line, with its newline.
    pub fn line(self, event: &Event) -> String {
        match self {
            Format::Json => event.to_json_line(),
            Format::Legacy => {
                let mut line = event.legacy_line();
                line.push('\n');
                line
            }
        }
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

    /// Writes the lines in order; how many could not be written, and the last error.
    fn write_lines(&mut self, lines: &[String]) -> Result<(), (usize, io::Error)> {
        match self {
            Output::Stdout => {
                let mut stdout = io::stdout().lock();
                let written = lines
                    .iter()
                    .try_for_each(|line| stdout.write_all(line.as_bytes()))
                    .and_then(|()| stdout.flush());
                written.map_err(|error| (lines.len(), error))
            }
            Output::File(file) => {
                let now = clock::now();
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
            let encode = Box::new(move |event: &Event| format.line(event));
            let buffered = Buffered::start(Plugin::Log, options.batch, encode, writer, counters)
                .map_err(|source| StartError::Log {
                    path: options.path.clone(),
                    source,
                })?;
            Ok(Box::new(buffered))
        }
        Mode::Blocking | Mode::BlockingStrict => Ok(Box::new(Blocking {
            output: Mutex::new(output),
            format: options.format,
            strict: options.mode == Mode::BlockingStrict,
            counters,
        })),
    }
}

/// Writes each event in the request that records it.
struct Blocking {
    output: Mutex<Output>,
    format: Format,
    strict: bool,
    counters: Arc<Counters>,
}

impl Backend for Blocking {
    fn process(&self, event: &Event) -> bool {
        let line = [self.format.line(event)];
        let written = self
            .output
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write_lines(&line);
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
    fn deliver(&mut self, lines: Vec<String>) {
        if let Err((failed, error)) = self.output.write_lines(&lines) {
            self.counters.failed(Plugin::Log, failed, &error);
        }
    }
}

#[cfg(test)]
mod tests;
