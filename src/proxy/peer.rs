//! The client end of a connection, made once per connection by the accept loop.

use std::net::SocketAddr;

use http::HeaderValue;

/// The client end of a connection, as each of its requests' handler sees it.
#[derive(Clone, Debug)]
pub struct Peer {
    /// The client's address.
    pub addr: SocketAddr,
    /// Its IP as an `X-Forwarded-For` element, formatted once per connection.
    pub ip: HeaderValue,
}

impl Peer {
    /// The peer at `addr`.
    pub fn new(addr: SocketAddr) -> Peer {
        Peer {
            addr,
            ip: super::headers::ip_value(addr.ip()),
        }
    }
}
