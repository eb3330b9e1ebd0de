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
    /// What it printed after, line by line, until taken.
    lines: std::sync::Mutex<mpsc::Receiver<String>>,
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
        // Reading goes on after readiness, to the end, so that the child never blocks on a full
        // pipe nor fails writing to a closed one (what it prints later is dropped).
        std::thread::spawn(move || {
            for line in BufReader::new(output).lines().map_while(Result::ok) {
                let _ = sender.send(line);
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
        Self {
            child,
            printed,
            lines: std::sync::Mutex::new(lines),
        }
    }

    /// The lines printed on the stream that was read since readiness (or the last call).
    pub fn take_lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .try_iter()
            .collect()
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Asks the process to stop (SIGTERM), waits up to `grace` for it to exit, then kills it.
    pub fn terminate(&mut self, grace: Duration) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + grace;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
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
