//! The client's address, for rate limits and logs.
//!
//! By default it is the TCP peer's address, and `X-Forwarded-For` is
//! ignored: anyone can write that header. Behind a reverse proxy every
//! client would then count as the proxy, so one attendee's burst (or one
//! attacker's password guesses) would hold up everybody. The operator names
//! the proxies with `--trusted-proxy`; when the peer is one of them, the
//! client is the rightmost `X-Forwarded-For` address that is not itself a
//! trusted proxy. Entries to its left were written by the client and are
//! never believed.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

use super::AppState;

/// The address ranges of the reverse proxies whose `X-Forwarded-For` is
/// believed. Empty by default.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses `--trusted-proxy` values: `10.0.0.0/8`, `192.168.1.10`,
    /// `::1`, `fd00::/8`. The error names the value and what is expected.
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<Self, String> {
        let mut nets = Vec::with_capacity(values.len());
        for value in values {
            let v = value.as_ref().trim();
            if v.is_empty() {
                continue;
            }
            let net = v
                .parse::<IpNet>()
                .or_else(|_| v.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!(
                        "--trusted-proxy {v:?} is not an IP address or range; \
                         give the proxy's address (127.0.0.1, ::1) or a range in CIDR form (10.0.0.0/8)"
                    )
                })?;
            nets.push(net.trunc());
        }
        Ok(Self(nets))
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address, given the TCP peer and the request headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        // Every X-Forwarded-For line, in order, as one list; walk it from
        // the right while the hop that wrote each entry is trusted.
        let entries: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for entry in entries.iter().rev() {
            match parse_entry(entry) {
                Some(ip) => client = ip,
                // A garbled entry: believe nothing further left.
                None => break,
            }
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, optionally with a port
/// (`203.0.113.7`, `203.0.113.7:51234`, `2001:db8::1`, `[2001:db8::1]:443`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let e = entry.trim();
    e.parse::<IpAddr>()
        .ok()
        .or_else(|| e.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

/// The client's address as [`TrustedProxies::client`] decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        Ok(ClientIp(
            state.config.trusted_proxies.client(peer, &parts.headers),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for l in lines {
            h.append("x-forwarded-for", HeaderValue::from_str(l).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let t = TrustedProxies::default();
        assert_eq!(
            t.client(ip("127.0.0.1"), &headers(&["203.0.113.7"])),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let t = TrustedProxies::parse(&["127.0.0.1"]).unwrap();
        assert_eq!(
            t.client(ip("127.0.0.1"), &headers(&["203.0.113.7"])),
            ip("203.0.113.7")
        );
        // IPv4-mapped IPv6 peers (a dual-stack listener) count as IPv4.
        assert_eq!(
            t.client(ip("::ffff:127.0.0.1"), &headers(&["203.0.113.7"])),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn addresses_the_client_wrote_itself_are_not_believed() {
        let t = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        // The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended
        // the real address.
        let h = headers(&["1.2.3.4, 198.51.100.9"]);
        assert_eq!(t.client(ip("10.1.2.3"), &h), ip("198.51.100.9"));
        // Two header lines are one list.
        let h = headers(&["1.2.3.4", "198.51.100.9"]);
        assert_eq!(t.client(ip("10.1.2.3"), &h), ip("198.51.100.9"));
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_from_the_right() {
        let t = TrustedProxies::parse(&["10.0.0.0/8", "fd00::/8"]).unwrap();
        let h = headers(&["1.2.3.4, 198.51.100.9:5123, 10.0.0.2, [fd00::1]:80"]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("198.51.100.9"));
    }

    #[test]
    fn a_garbled_entry_stops_the_walk_at_the_last_trusted_hop() {
        let t = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let h = headers(&["198.51.100.9, unknown"]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("10.0.0.1"));
        // No header at all: the proxy itself.
        assert_eq!(t.client(ip("10.0.0.1"), &HeaderMap::new()), ip("10.0.0.1"));
    }

    #[test]
    fn bad_values_are_refused_with_the_expected_form() {
        let e = TrustedProxies::parse(&["10.0.0.0/33"]).unwrap_err();
        assert!(e.contains("10.0.0.0/33") && e.contains("CIDR"), "{e}");
        assert!(TrustedProxies::parse(&["proxy.local"]).is_err());
        // A range given with host bits set means the whole range.
        let t = TrustedProxies::parse(&["10.1.2.3/8"]).unwrap();
        assert!(t.trusts(ip("10.200.0.1")));
    }
}
