//! The address a request comes from, for the limit on failed sign-ins per address
//! (`haven_core::auth` `address_limit`). It is the connection's peer, unless the peer is
//! one of the installation's trusted reverse proxies (`trusted_proxies` in `haven.toml`):
//! then it is the first address in `X-Forwarded-For`, read from the right, that is not a
//! trusted proxy. Addresses left of it are whatever the client chose to send, so they are
//! never read; a request straight from a client is counted by its peer, whatever it says
//! (ASVS 4.1.3). A request with no peer, from a caller in the same process, has no address.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use haven_core::Haven;
use haven_store::Store;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The client's address, where the server knows it.
pub(crate) struct ClientAddress(pub(crate) Option<IpAddr>);

impl<S: Store> FromRequestParts<Haven<S>> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        haven: &Haven<S>,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(Self(peer.map(|peer| {
            client_of(peer, &parts.headers, &haven.auth_settings().trusted_proxies)
        })))
    }
}

/// The client behind `peer` (see the module's documentation).
fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(&ip.to_canonical()));
    if !is_trusted(peer) {
        return peer;
    }
    // Several headers are one list, in order.
    let mut hops: Vec<&str> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            return peer;
        };
        hops.extend(text.split(','));
    }
    let mut client = peer;
    for hop in hops.iter().rev() {
        // A hop the proxy wrote badly ends the walk at the last address it could vouch for.
        let Some(ip) = parse_hop(hop) else { break };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// One entry of `X-Forwarded-For`: an address, maybe with a port (`203.0.113.7:4711`,
/// `[2001:db8::1]:4711`), as some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn proxies() -> Vec<IpNet> {
        vec!["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()]
    }

    #[test]
    fn a_client_straight_to_the_server_is_its_peer_whatever_it_says() {
        let h = forwarded(&["198.51.100.1"]);
        assert_eq!(
            client_of(ip("203.0.113.9"), &h, &proxies()),
            ip("203.0.113.9")
        );
        assert_eq!(client_of(ip("10.0.0.2"), &h, &[]), ip("10.0.0.2"));
    }

    #[test]
    fn behind_trusted_proxies_the_client_is_the_first_untrusted_hop_from_the_right() {
        let t = proxies();
        let peer = ip("10.0.0.2");
        // A client that sends its own header cannot choose its address.
        let h = forwarded(&["1.1.1.1, 203.0.113.9, 10.1.2.3"]);
        assert_eq!(client_of(peer, &h, &t), ip("203.0.113.9"));
        let h = forwarded(&["1.1.1.1", "203.0.113.9:4711"]);
        assert_eq!(client_of(peer, &h, &t), ip("203.0.113.9"));
        let h = forwarded(&["[2001:db8::7]:80"]);
        assert_eq!(client_of(ip("::1"), &h, &t), ip("2001:db8::7"));
        // Only proxies: the leftmost. No header: the proxy itself.
        assert_eq!(
            client_of(peer, &forwarded(&["10.9.9.9, 10.1.1.1"]), &t),
            ip("10.9.9.9")
        );
        assert_eq!(client_of(peer, &HeaderMap::new(), &t), peer);
        // A hop the proxy wrote badly: the last address vouched for.
        let h = forwarded(&["203.0.113.9, unknown, 10.1.1.1"]);
        assert_eq!(client_of(peer, &h, &t), ip("10.1.1.1"));
        // A mapped IPv4 peer is the IPv4 proxy it is.
        let mapped = IpAddr::V6(std::net::Ipv4Addr::new(10, 0, 0, 2).to_ipv6_mapped());
        assert_eq!(
            client_of(mapped, &forwarded(&["203.0.113.9"]), &t),
            ip("203.0.113.9")
        );
    }

    proptest! {
        /// Whatever a client puts in the header, from outside the proxies it is counted by
        /// its own address, and behind them by the hop the last proxy saw.
        #[test]
        fn a_client_cannot_choose_its_address(
            chosen in proptest::collection::vec(any::<std::net::Ipv4Addr>(), 0..5),
            client in any::<[u8; 4]>(),
        ) {
            let client = IpAddr::from([198, 51, client[2], client[3]]);
            let mut list: Vec<String> = chosen.iter().map(ToString::to_string).collect();
            let from_outside = forwarded(&[list.join(", ").as_str()]);
            prop_assert_eq!(client_of(client, &from_outside, &proxies()), client);
            list.push(client.to_string());
            list.push("10.7.7.7".into());
            let through_proxies = forwarded(&[list.join(", ").as_str()]);
            prop_assert_eq!(client_of(ip("10.0.0.2"), &through_proxies, &proxies()), client);
        }
    }
}
