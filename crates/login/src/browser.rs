//! Opening a URL for the user: `--browser-command URL`, or `xdg-open URL`, or printing it with
//! `--skip-open-browser`. The browser never writes to stdout, which belongs to kubectl.

use std::os::fd::AsFd as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Why the browser could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrowserError {
    /// The command could not be run.
    #[error("could not run {command}: {source}")]
    Spawn {
        /// The command.
        command: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// How to show a URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrowserOptions {
    /// `--skip-open-browser`: print the URL instead.
    pub skip_open_browser: bool,
    /// `--browser-command`: run `COMMAND URL`.
    pub browser_command: Option<String>,
}

/// A browser started for the user; [`Opened::wait`] gives it time to finish.
#[derive(Debug)]
pub struct Opened {
    child: Option<Child>,
}

impl Opened {
    /// Waits up to `limit` for the browser command to exit (kubelogin waits for it too); a
    /// command still running after that is left alone.
    pub fn wait(mut self, limit: Duration) {
        let Some(child) = self.child.as_mut() else {
            return;
        };
        let start = Instant::now();
        while start.elapsed() < limit {
            match child.try_wait() {
                Ok(Some(status)) => {
                    if !status.success() {
                        eprintln!("error: the browser command exited with {status}");
                    }
                    return;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => return,
            }
        }
    }
}

fn spawn(program: &str, url: &str) -> Result<Child, BrowserError> {
    let stderr = std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map_err(|source| BrowserError::Spawn {
            command: program.to_string(),
            source,
        })?;
    Command::new(program)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::from(stderr))
        .spawn()
        .map_err(|source| BrowserError::Spawn {
            command: program.to_string(),
            source,
        })
}

/// Shows `url` to the user as `options` say; messages go to stderr.
pub fn open(url: &str, options: &BrowserOptions) -> Opened {
    if options.skip_open_browser {
        eprintln!("Please visit the following URL in your browser: {url}");
        return Opened { child: None };
    }
    let program = options.browser_command.as_deref().unwrap_or("xdg-open");
    match spawn(program, url) {
        Ok(child) => Opened { child: Some(child) },
        Err(error) => {
            eprintln!(
                "error: could not open the browser: {error}\n\nPlease visit the following URL in your browser manually: {url}"
            );
            Opened { child: None }
        }
    }
}
