//! Connection limit flags shared by `serve`, `up` and `idp serve`: the deadlines a client has
//! for the TLS handshake and for a request's header block, and how many connections may be open
//! at once, and how long an idle connection is kept (kube-apiserver hard-codes 32 s and 90 s and
//! has no cap; kubeward lets them be set).

use std::time::Duration;

use clap::Args;

/// The flags.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// How long a client has for the TLS handshake (e.g. 32s, 500ms, 1m).
    #[arg(long, default_value = "32s", value_parser = parse_duration)]
    pub tls_handshake_timeout: Duration,
    /// How long a client has to send a request's headers.
    #[arg(long, default_value = "32s", value_parser = parse_duration)]
    pub request_header_timeout: Duration,
    /// How long a connection with no request in flight stays open (HTTP/1.1 keep-alive and
    /// HTTP/2; kube-apiserver: 90 s).
    #[arg(long, default_value = "90s", value_parser = parse_duration)]
    pub idle_connection_timeout: Duration,
    /// Open connections at most; further clients wait in the listen backlog.
    #[arg(long, default_value_t = 4096)]
    pub max_open_connections: usize,
}

impl ConnectionArgs {
    /// The limits, on top of kube-apiserver's header size and HTTP/2 stream limits.
    pub fn limits(&self) -> kubeward_net::Limits {
        kubeward_net::Limits {
            handshake_timeout: self.tls_handshake_timeout,
            header_read_timeout: self.request_header_timeout,
            idle_timeout: self.idle_connection_timeout,
            max_connections: self.max_open_connections.max(1),
            ..kubeward_net::Limits::default()
        }
    }
}

/// A duration as Go writes short ones: `500ms`, `32s`, `1m`, `2h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?}: missing a unit (ms, s, m or h)"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?}: not a duration"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(number)),
        "s" => Ok(Duration::from_secs(number)),
        "m" => Ok(Duration::from_secs(number * 60)),
        "h" => Ok(Duration::from_secs(number * 3600)),
        _ => Err(format!("{text:?}: unknown unit {unit:?} (ms, s, m or h)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_go_writes_them() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("32s"), Ok(Duration::from_secs(32)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("32").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("3d").is_err());
    }
}
