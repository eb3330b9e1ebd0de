//! What a command that prints does when its reader goes away (`kubeward version | head -1`).
//!
//! Rust ignores `SIGPIPE`, so a write into a closed pipe fails, and `println!` panics on it. A
//! Unix filter ends quietly instead, with the status of a process ended by `SIGPIPE`
//! (128 + 13, what `set -o pipefail` reports for `yes | head -1`). Commands that print and exit
//! get that behaviour; the servers are unaffected (a pod's closed stdin must not end them).

use std::process::ExitCode;

/// The status a shell shows for a process ended by `SIGPIPE`.
const SIGPIPE_STATUS: u8 = 128 + 13;

/// Ends the process quietly with [`exit_code`]'s status when `println!` finds standard output
/// closed; every other panic is reported as before.
pub fn end_quietly_when_stdout_closes() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if is_print_into_closed_pipe(message) {
            std::process::exit(SIGPIPE_STATUS.into());
        }
        report(info);
    }));
}

/// Whether `error` (a command's failure) is a write into a closed pipe.
pub fn is_closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The exit status of a command whose reader went away.
pub fn exit_code() -> ExitCode {
    ExitCode::from(SIGPIPE_STATUS)
}

/// Whether a panic message is the one `print!` gives when standard output is a closed pipe.
fn is_print_into_closed_pipe(message: &str) -> bool {
    message.starts_with("failed printing to stdout") && message.contains("Broken pipe")
}

#[cfg(test)]
mod tests;
