//! Showing a URL to the user: the URL is printed at once (kubelogin's "Please visit the following
//! URL in your browser"), then opened with `--browser-command URL` or `xdg-open URL` unless
//! `--skip-open-browser`. A browser that cannot start or that fails is reported as soon as it
//! does, so nobody waits for the timeout in silence. The browser never writes to stdout, which
//! belongs to kubectl.

use std::os::fd::AsFd as _;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

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
    /// `--skip-open-browser`: print the URL only.
    pub skip_open_browser: bool,
    /// `--browser-command`: run `COMMAND URL`.
    pub browser_command: Option<String>,
    /// The CA files given with `--certificate-authority`: a browser does not trust them unless
    /// told to, so the user is told how.
    pub certificate_authorities: Vec<std::path::PathBuf>,
}

/// A browser started for the user; [`Opened::wait`] gives it time to finish.
#[derive(Debug)]
pub struct Opened {
    exited: Option<mpsc::Receiver<()>>,
}

impl Opened {
    /// Waits up to `limit` for the browser command to exit (kubelogin waits for it too); a
    /// command still running after that is left alone.
    pub fn wait(self, limit: Duration) {
        if let Some(exited) = self.exited {
            let _ = exited.recv_timeout(limit);
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

/// How to make a browser on this machine trust `ca` (Chromium and Firefox read the NSS
/// database), for a provider whose certificate it signed.
pub fn trust_hint(ca: &std::path::Path) -> String {
    format!(
        "If the browser shows ERR_CERT_AUTHORITY_INVALID, it does not trust {ca}: import it as an authority (certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n oidc-ca -i {ca}, or the browser's certificate settings).",
        ca = ca.display()
    )
}

/// Shows `url` to the user as `options` say; messages go to stderr.
pub fn open(url: &str, options: &BrowserOptions) -> Opened {
    eprintln!("Please visit the following URL in your browser: {url}");
    for ca in &options.certificate_authorities {
        eprintln!("{}", trust_hint(ca));
    }
    if options.skip_open_browser {
        return Opened { exited: None };
    }
    let program = options
        .browser_command
        .clone()
        .unwrap_or_else(|| "xdg-open".to_string());
    match spawn(&program, url) {
        Ok(mut child) => {
            let (done, exited) = mpsc::channel();
            let url = url.to_string();
            std::thread::spawn(move || {
                if let Ok(status) = child.wait()
                    && !status.success()
                {
                    eprintln!(
                        "error: could not open the browser: {program} exited with {status}\n\nPlease visit the following URL in your browser manually: {url}"
                    );
                }
                let _ = done.send(());
            });
            Opened {
                exited: Some(exited),
            }
        }
        Err(error) => {
            eprintln!(
                "error: could not open the browser: {error}\n\nPlease visit the following URL in your browser manually: {url}"
            );
            Opened { exited: None }
        }
    }
}

#[cfg(test)]
mod tests;
