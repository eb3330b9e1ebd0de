//! The `sourceIPs` of an event, as `k8s.io/apimachinery/pkg/util/net.SourceIPs` lists them: the
//! valid addresses of `X-Forwarded-For`, then `X-Real-Ip` unless already listed, then the
//! connection's address unless it is the last one listed. All but the last can be set by the
//! client.

use std::net::{IpAddr, Ipv4Addr};

/// The source IPs of a request as addresses: with no `X-Forwarded-For` and no `X-Real-Ip` (the
/// usual case), the connection's address alone, held without an allocation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SourceIps {
    /// None known.
    #[default]
    None,
    /// The connection's address alone.
    One(IpAddr),
    /// From the headers, then the connection's.
    List(Vec<IpAddr>),
}

impl SourceIps {
    /// The addresses of `X-Forwarded-For`, then `X-Real-Ip` unless already listed, then the
    /// connection's unless it is the last one listed.
    pub fn new(forwarded_for: Option<&str>, real_ip: Option<&str>, remote: Option<IpAddr>) -> Self {
        let forwarded_for = forwarded_for.filter(|h| !h.is_empty());
        let real_ip = real_ip.filter(|h| !h.is_empty());
        if forwarded_for.is_none() && real_ip.is_none() {
            return match remote {
                Some(remote) => Self::One(canonical(remote)),
                None => Self::None,
            };
        }
        let mut ips: Vec<IpAddr> = Vec::new();
        if let Some(header) = forwarded_for {
            ips.extend(
                header
                    .split(',')
                    .filter_map(|part| parse_sloppy(part.trim())),
            );
        }
        if let Some(ip) = real_ip.and_then(parse_sloppy)
            && !ips.contains(&ip)
        {
            ips.push(ip);
        }
        if let Some(remote) = remote.map(canonical)
            && ips.last() != Some(&remote)
        {
            ips.push(remote);
        }
        Self::List(ips)
    }

    /// The addresses, in order.
    pub fn as_slice(&self) -> &[IpAddr] {
        match self {
            Self::None => &[],
            Self::One(ip) => std::slice::from_ref(ip),
            Self::List(ips) => ips,
        }
    }

    /// The last address (the connection's, unless a header listed it) as text.
    pub fn last_text(&self) -> Option<String> {
        self.as_slice().last().map(|ip| text(*ip))
    }
}

/// `net.IP.String()`.
fn text(ip: IpAddr) -> String {
    let mut text = String::with_capacity(15);
    push_text(&mut text, ip);
    text
}

/// `net.IP.String()`, appended to `out`: an IPv4 address written digit by digit (no
/// formatter), IPv6 as Rust writes it.
pub fn push_text(out: &mut String, ip: IpAddr) {
    let IpAddr::V4(v4) = ip else {
        use std::fmt::Write as _;
        // Writing to a String cannot fail.
        let _ = write!(out, "{ip}");
        return;
    };
    for (i, octet) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if octet >= 100 {
            out.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            out.push(char::from(b'0' + octet / 10 % 10));
        }
        out.push(char::from(b'0' + octet % 10));
    }
}

/// An IPv4-mapped IPv6 address is the IPv4 address, as Go's `net.IP` compares and prints it.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// `netutils.ParseIPSloppy`: IPv4 octets may have leading zeros (read as decimal).
fn parse_sloppy(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    let octets: Vec<&str> = text.split('.').collect();
    if octets.len() != 4 {
        return None;
    }
    let mut bytes = [0u8; 4];
    for (slot, octet) in bytes.iter_mut().zip(octets) {
        if octet.is_empty() || octet.len() > 3 || !octet.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = octet.parse().ok()?;
    }
    Some(IpAddr::V4(Ipv4Addr::from(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(ip: &str) -> Option<IpAddr> {
        Some(ip.parse().expect("an address"))
    }

    #[test]
    fn ipv4_is_written_as_its_display() {
        for octet in 0..=255u8 {
            for bytes in [[octet, 0, 0, 1], [10, octet, 255, octet]] {
                let ip = IpAddr::V4(Ipv4Addr::from(bytes));
                let mut text = String::new();
                push_text(&mut text, ip);
                assert_eq!(text, ip.to_string());
            }
        }
    }

    #[test]
    fn the_connection_alone_is_held_without_a_list() {
        assert_eq!(
            SourceIps::new(None, Some(""), remote("::ffff:10.0.0.1")),
            SourceIps::One("10.0.0.1".parse().unwrap())
        );
        assert_eq!(SourceIps::new(Some(""), None, None), SourceIps::None);
        assert_eq!(
            SourceIps::new(Some("1.2.3.4"), None, remote("127.0.0.1")).as_slice(),
            [remote("1.2.3.4").unwrap(), remote("127.0.0.1").unwrap()]
        );
    }

    /// The source IPs as Go's `net.IP.String()` writes them.
    fn source_ips(
        forwarded_for: Option<&str>,
        real_ip: Option<&str>,
        remote: Option<IpAddr>,
    ) -> Vec<String> {
        SourceIps::new(forwarded_for, real_ip, remote)
            .as_slice()
            .iter()
            .map(|ip| text(*ip))
            .collect()
    }

    #[test]
    fn the_connection_alone() {
        assert_eq!(source_ips(None, None, remote("127.0.0.1")), ["127.0.0.1"]);
        assert_eq!(
            source_ips(None, None, remote("::ffff:10.0.0.1")),
            ["10.0.0.1"]
        );
        assert_eq!(source_ips(None, None, remote("::1")), ["::1"]);
        assert!(source_ips(None, None, None).is_empty());
    }

    #[test]
    fn forwarded_then_real_ip_then_the_connection() {
        assert_eq!(
            source_ips(
                Some("1.2.3.4, bogus ,010.0.0.9"),
                Some("5.6.7.8"),
                remote("127.0.0.1")
            ),
            ["1.2.3.4", "10.0.0.9", "5.6.7.8", "127.0.0.1"]
        );
        // X-Real-Ip already listed, and the connection is the last proxy listed.
        assert_eq!(
            source_ips(
                Some("1.2.3.4,127.0.0.1"),
                Some("1.2.3.4"),
                remote("127.0.0.1")
            ),
            ["1.2.3.4", "127.0.0.1"]
        );
        assert_eq!(
            source_ips(Some(""), Some("nope"), remote("127.0.0.1")),
            ["127.0.0.1"]
        );
    }
}
