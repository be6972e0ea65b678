//! Who the client is, for per-client limits: the socket peer, or, only when that peer is a
//! trusted proxy, the rightmost untrusted hop of `X-Forwarded-For` or `Forwarded`. A client can
//! write anything left of what a trusted proxy appended, so the walk goes from the right and
//! stops at the first address no trusted proxy vouches for.

use std::net::IpAddr;

use http::{HeaderMap, HeaderName};
use ipnet::IpNet;

/// The header a trusted proxy names the client in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2`.
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

impl ClientHeader {
    /// Parses a config value: `x-forwarded-for` or `forwarded` (any case).
    pub fn parse(s: &str) -> Option<ClientHeader> {
        match s.to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Some(ClientHeader::XForwardedFor),
            "forwarded" => Some(ClientHeader::Forwarded),
            _ => None,
        }
    }

    fn name(self) -> HeaderName {
        match self {
            ClientHeader::XForwardedFor => HeaderName::from_static("x-forwarded-for"),
            ClientHeader::Forwarded => http::header::FORWARDED,
        }
    }
}

/// How the client address of a request is found.
#[derive(Clone, Debug)]
pub struct ClientAddressing {
    trusted: Vec<IpNet>,
    header: ClientHeader,
}

impl Default for ClientAddressing {
    fn default() -> Self {
        ClientAddressing {
            trusted: Vec::new(),
            header: ClientHeader::XForwardedFor,
        }
    }
}

impl ClientAddressing {
    /// Addressing that believes `header` only from peers in `trusted`.
    pub fn new(trusted: Vec<IpNet>, header: ClientHeader) -> ClientAddressing {
        ClientAddressing { trusted, header }
    }

    /// Parses one `trusted_proxies` element: an address or a CIDR block.
    pub fn parse_net(s: &str) -> Option<IpNet> {
        let s = s.trim();
        s.parse::<IpNet>()
            .ok()
            .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
    }

    /// Whether `ip` is a trusted proxy.
    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.trusted.iter().any(|n| n.contains(&ip))
    }

    /// The client of a request that came from socket peer `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        // The usual case, no proxy in front: no header is looked at.
        if self.trusted.is_empty() || !self.is_trusted(peer) {
            return peer;
        }
        let mut hops: Vec<Option<IpAddr>> = Vec::new();
        for value in headers.get_all(self.header.name()) {
            let Ok(value) = value.to_str() else {
                hops.push(None);
                continue;
            };
            for element in value.split(',') {
                hops.push(match self.header {
                    ClientHeader::XForwardedFor => parse_hop(element),
                    ClientHeader::Forwarded => forwarded_for(element).and_then(parse_hop),
                });
            }
        }
        // From the right: each trusted hop vouches for the one left of it. A hop that cannot be
        // read ends the walk at the last trusted one, which is then the best known client.
        let mut client = peer;
        for hop in hops.into_iter().rev() {
            match hop {
                Some(ip) => {
                    client = ip;
                    if !self.is_trusted(ip) {
                        break;
                    }
                }
                None => break,
            }
        }
        client
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is, so one client has one key.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One list element as an address: `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`, `[2001:db8::1]:80`,
/// optionally quoted.
fn parse_hop(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest
            .split_once(']')
            .and_then(|(ip, _)| ip.parse().ok())
            .map(canonical);
    }
    s.rsplit_once(':')
        .and_then(|(ip, _)| ip.parse::<std::net::Ipv4Addr>().ok())
        .map(IpAddr::V4)
}

/// The `for=` parameter of one `Forwarded` element.
fn forwarded_for(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        k.trim().eq_ignore_ascii_case("for").then_some(v.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(name: &str, values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn the_rightmost_untrusted_hop_when_the_peer_is_trusted() {
        let nets = ["10.0.0.0/8", "192.0.2.7"]
            .iter()
            .map(|s| ClientAddressing::parse_net(s).unwrap())
            .collect();
        let xff = ClientAddressing::new(nets, ClientHeader::XForwardedFor);
        let cases: [(&str, &str, &[&str], &str); 9] = [
            (
                "untrusted peer: header ignored",
                "203.0.113.9",
                &["198.51.100.1"],
                "203.0.113.9",
            ),
            (
                "trusted peer, one hop",
                "10.1.1.1",
                &["198.51.100.1"],
                "198.51.100.1",
            ),
            (
                "spoofed left part ignored",
                "10.1.1.1",
                &["6.6.6.6, 198.51.100.1"],
                "198.51.100.1",
            ),
            (
                "chain of trusted proxies",
                "10.1.1.1",
                &["198.51.100.1, 192.0.2.7, 10.2.2.2"],
                "198.51.100.1",
            ),
            (
                "several header lines",
                "10.1.1.1",
                &["6.6.6.6", "198.51.100.1, 10.2.2.2"],
                "198.51.100.1",
            ),
            (
                "garbage stops at the last trusted",
                "10.1.1.1",
                &["198.51.100.1, nonsense, 10.2.2.2"],
                "10.2.2.2",
            ),
            ("no header: the peer", "10.1.1.1", &[], "10.1.1.1"),
            (
                "all trusted: the leftmost",
                "10.1.1.1",
                &["10.3.3.3, 10.2.2.2"],
                "10.3.3.3",
            ),
            (
                "port and mapped v6",
                "10.1.1.1",
                &["[::ffff:198.51.100.1]:443"],
                "198.51.100.1",
            ),
        ];
        for (name, peer, values, want) in cases {
            let got = xff.client(ip(peer), &headers("x-forwarded-for", values));
            assert_eq!(got, ip(want), "{name}");
        }
    }

    #[test]
    fn forwarded_header_for_parameters() {
        let fwd = ClientAddressing::new(
            vec![ClientAddressing::parse_net("::1/128").unwrap()],
            ClientHeader::Forwarded,
        );
        let h = headers(
            "forwarded",
            &["for=6.6.6.6, for=\"[2001:db8::1]:4711\";proto=https"],
        );
        assert_eq!(fwd.client(ip("::1"), &h), ip("2001:db8::1"));
        let h = headers("forwarded", &["for=unknown"]);
        assert_eq!(fwd.client(ip("::1"), &h), ip("::1"));
        // The other header is not read.
        let h = headers("x-forwarded-for", &["198.51.100.1"]);
        assert_eq!(fwd.client(ip("::1"), &h), ip("::1"));
    }

    #[test]
    fn config_values() {
        assert!(ClientAddressing::parse_net("10.0.0.0/8").is_some());
        assert!(ClientAddressing::parse_net("2001:db8::/32").is_some());
        assert!(ClientAddressing::parse_net("127.0.0.1").is_some());
        assert!(ClientAddressing::parse_net("10.0.0.0/33").is_none());
        assert!(ClientAddressing::parse_net("proxy.example").is_none());
        assert_eq!(
            ClientHeader::parse("Forwarded"),
            Some(ClientHeader::Forwarded)
        );
        assert_eq!(ClientHeader::parse("x-real-ip"), None);
        let none = ClientAddressing::default();
        assert!(!none.is_trusted(ip("127.0.0.1")));
    }
}
