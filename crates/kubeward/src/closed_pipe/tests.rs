use super::*;

#[test]
fn only_a_print_into_a_closed_pipe_ends_quietly() {
    assert!(is_print_into_closed_pipe(
        "failed printing to stdout: Broken pipe (os error 32)"
    ));
    assert!(!is_print_into_closed_pipe(
        "failed printing to stdout: No space left on device (os error 28)"
    ));
    assert!(!is_print_into_closed_pipe("index out of bounds"));
}

#[test]
fn a_closed_pipe_is_found_anywhere_in_an_error_chain() {
    let closed = anyhow::Error::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
        .context("writing the completion script");
    assert!(is_closed_pipe(&closed));
    let other = anyhow::Error::from(std::io::Error::from(std::io::ErrorKind::NotFound));
    assert!(!is_closed_pipe(&other));
}
