//! Binding the proxy's listeners: one per worker on the same address.

use std::net::SocketAddr;

/// Binds `workers` listeners on one address with `SO_REUSEPORT`, so the kernel spreads new
/// connections over the workers. Port 0 is resolved by the first bind.
///
/// # Errors
/// The first socket error.
pub fn workers(listen: SocketAddr, workers: usize) -> std::io::Result<Vec<std::net::TcpListener>> {
    use socket2::{Domain, Protocol, Socket, Type};
    let mut out = Vec::with_capacity(workers);
    let mut addr = listen;
    for _ in 0..workers {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_address(true)?;
        socket.set_reuse_port(true)?;
        socket.bind(&addr.into())?;
        socket.listen(1024)?;
        socket.set_nonblocking(true)?;
        let listener: std::net::TcpListener = socket.into();
        addr = listener.local_addr()?;
        out.push(listener);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_share_one_resolved_port() {
        let ls = workers("127.0.0.1:0".parse().unwrap(), 3).unwrap();
        assert_eq!(ls.len(), 3);
        let first = ls[0].local_addr().unwrap();
        assert_ne!(first.port(), 0);
        assert!(ls.iter().all(|l| l.local_addr().unwrap() == first));
    }
}
