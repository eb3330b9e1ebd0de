//! Questions on the terminal (`/dev/tty`, not stdin or stdout, which belong to kubectl): the user
//! name and password of the password grant, the code of authcode-keyboard.

use std::fs::OpenOptions;
use std::io::{BufRead as _, BufReader, Write as _};

/// Why no answer could be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PromptError {
    /// There is no terminal to ask on (kubectl runs without one, or CI).
    #[error("could not read {what}: no terminal: {source}")]
    NoTerminal {
        /// What was asked.
        what: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The answer was empty.
    #[error("could not read {0}: empty input")]
    Empty(&'static str),
}

/// Asks `prompt` on the terminal and reads one line (echoed).
pub fn read_line(prompt: &str, what: &'static str) -> Result<String, PromptError> {
    let no_terminal = |source| PromptError::NoTerminal { what, source };
    let mut tty = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(no_terminal)?;
    tty.write_all(prompt.as_bytes()).map_err(no_terminal)?;
    let mut line = String::new();
    BufReader::new(tty)
        .read_line(&mut line)
        .map_err(no_terminal)?;
    let line = line.trim_end_matches(['\r', '\n']).to_string();
    if line.is_empty() {
        return Err(PromptError::Empty(what));
    }
    Ok(line)
}

/// Asks `prompt` on the terminal and reads a password without echo.
pub fn read_password(prompt: &str) -> Result<String, PromptError> {
    let what = "a password";
    let password = rpassword::prompt_password(prompt)
        .map_err(|source| PromptError::NoTerminal { what, source })?;
    if password.is_empty() {
        return Err(PromptError::Empty(what));
    }
    Ok(password)
}
