//! The `sourceIPs` of an event, as `k8s.io/apimachinery/pkg/util/net.SourceIPs` lists them: the
//! valid addresses of `X-Forwarded-For`, then `X-Real-Ip` unless already listed, then the
//! connection's address unless it is the last one listed. All but the last can be set by the
//! client.

use std::net::{IpAddr, Ipv4Addr};

/// The source IPs of a request, as Go's `net.IP.String()` writes them.
pub fn source_ips(
    forwarded_for: Option<&str>,
    real_ip: Option<&str>,
    remote: Option<IpAddr>,
) -> Vec<String> {
    let mut ips: Vec<IpAddr> = Vec::new();
    if let Some(header) = forwarded_for.filter(|h| !h.is_empty()) {
        ips.extend(
            header
                .split(',')
                .filter_map(|part| parse_sloppy(part.trim())),
        );
    }
    if let Some(ip) = real_ip.filter(|h| !h.is_empty()).and_then(parse_sloppy)
        && !ips.contains(&ip)
    {
        ips.push(ip);
    }
    if let Some(remote) = remote.map(canonical)
        && ips.last() != Some(&remote)
    {
        ips.push(remote);
    }
    ips.into_iter().map(text).collect()
}

/// `net.IP.String()`: an IPv4 address written digit by digit (no formatter), IPv6 as Rust
/// writes it.
fn text(ip: IpAddr) -> String {
    let IpAddr::V4(v4) = ip else {
        return ip.to_string();
    };
    let mut out = String::with_capacity(15);
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
    out
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
                assert_eq!(text(ip), ip.to_string());
            }
        }
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
