//! The async runtime the long-running commands (`up`, `serve`, `gateway`, `idp serve`,
//! `webhook serve`, `user add`) run on, with their logging set up.

/// The async runtime of the servers, with logs on stderr (`RUST_LOG`, default `info`), coloured
/// only when stderr is a terminal and `NO_COLOR` is not set.
pub(super) fn server_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr)
        .try_init();
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
