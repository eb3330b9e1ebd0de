//! A child process that says when it is ready: its output is read line by line on a thread,
//! and starting waits (bounded) until a line says the process is ready — typically the address
//! it bound on a port it chose itself. Killed and reaped when dropped.

use std::io::{BufRead as _, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Which output to read for readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// A running child process.
pub struct Process {
    child: Child,
    /// What it printed on the stream that was read, up to readiness.
    pub printed: String,
}

impl Process {
    /// Starts `command` and reads `stream` until `ready` returns true for a line (at most
    /// `deadline`); panics with what it printed when it exits or takes too long.
    pub fn start(
        mut command: Command,
        stream: Stream,
        deadline: Duration,
        mut ready: impl FnMut(&str) -> bool,
    ) -> Self {
        match stream {
            Stream::Stdout => command.stdout(Stdio::piped()),
            Stream::Stderr => command.stderr(Stdio::piped()),
        };
        let program = command.get_program().to_string_lossy().into_owned();
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("{program} does not start: {e}"));
        let output: Box<dyn Read + Send> = match stream {
            Stream::Stdout => Box::new(child.stdout.take().expect("stdout is piped")),
            Stream::Stderr => Box::new(child.stderr.take().expect("stderr is piped")),
        };
        let (sender, lines) = mpsc::channel();
        // Reading goes on after readiness (the lines are dropped once nobody waits for them),
        // so that the child never blocks on a full pipe nor fails writing to a closed one.
        std::thread::spawn(move || {
            let mut waited = true;
            for line in BufReader::new(output).lines().map_while(Result::ok) {
                waited = waited && sender.send(line).is_ok();
            }
        });
        let mut printed = String::new();
        loop {
            match lines.recv_timeout(deadline) {
                Ok(line) => {
                    printed.push_str(&line);
                    printed.push('\n');
                    if ready(&line) {
                        break;
                    }
                }
                Err(error) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("{program} did not become ready ({error}); it printed:\n{printed}");
                }
            }
        }
        Self { child, printed }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}
