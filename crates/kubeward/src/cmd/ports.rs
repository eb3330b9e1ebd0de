//! Checking, before anything is created, that the ports a server will listen on are free: a
//! second `kubeward up` on busy ports says so and leaves no stray data directory behind.

use std::net::{SocketAddr, TcpListener};

use anyhow::bail;

/// A port a command is about to listen on.
pub struct Wanted<'a> {
    /// What listens there, e.g. `the API server`.
    pub what: &'a str,
    /// The address (port 0: any free port, nothing to check).
    pub address: SocketAddr,
    /// The flag that chooses it, e.g. `--secure-port`.
    pub flag: &'a str,
}

/// Binds each address once (all at the same time, so that two of them cannot be the same port)
/// and releases them; an address in use is an error that names the flag to change.
pub fn check_free(wanted: &[Wanted<'_>]) -> anyhow::Result<()> {
    let mut held = Vec::new();
    for port in wanted.iter().filter(|w| w.address.port() != 0) {
        match TcpListener::bind(port.address) {
            Ok(listener) => held.push(listener),
            Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => bail!(
                "{} is already in use, so {} cannot listen there (is another kubeward running?): stop it, or choose another port with {}",
                port.address,
                port.what,
                port.flag
            ),
            Err(error) => bail!(
                "{} cannot listen on {}: {error} (choose another address with {})",
                port.what,
                port.address,
                port.flag
            ),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
