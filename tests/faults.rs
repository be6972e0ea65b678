//! Upstream faults through a small fault-injecting TCP relay between searchward and the
//! scriptable upstream: latency, low bandwidth, 1-byte slicing, a hang, truncation and a reset
//! of the upstream's response on an inspected route. Every case ends within a bounded time,
//! with the right answer when the response arrives whole (however slowly) and the route's safe
//! answer otherwise; no byte of a response that failed reaches the client.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::util::{self, Proxy, Upstream, get};

/// What the relay does to the upstream's response bytes.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Holds the first response byte back this long.
    Latency(Duration),
    /// Forwards `bytes` per `every`.
    Bandwidth { bytes: usize, every: Duration },
    /// Forwards one byte per write.
    Slicing,
    /// Never forwards anything (and keeps the connection open).
    Hang,
    /// Forwards all but the last `n` bytes of the response, then closes.
    Truncate(usize),
    /// Forwards the first `n` bytes, then resets the connection.
    Reset(usize),
}

/// A relay on 127.0.0.1:0 to `upstream`, applying `fault` to every connection's responses.
struct Relay {
    addr: SocketAddr,
    _rt: tokio::runtime::Runtime,
}

impl Relay {
    fn start(upstream: SocketAddr, fault: Fault) -> Relay {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        rt.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream, fault));
            }
        });
        Relay { addr, _rt: rt }
    }
}

async fn relay(client: TcpStream, upstream: SocketAddr, fault: Fault) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    if let Fault::Reset(first) = fault {
        return reset_after(client, server, first).await;
    }
    let (mut client_rd, mut client_wr) = client.into_split();
    let (mut server_rd, mut server_wr) = server.into_split();
    // Requests pass untouched.
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_rd, &mut server_wr).await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    match fault {
        Fault::Hang => {
            // Read and drop everything, never answer, never close.
            while matches!(server_rd.read(&mut buf).await, Ok(n) if n > 0) {}
            std::future::pending::<()>().await;
        }
        Fault::Latency(d) => {
            tokio::time::sleep(d).await;
            let _ = tokio::io::copy(&mut server_rd, &mut client_wr).await;
        }
        Fault::Bandwidth { bytes, every } => {
            while let Ok(n @ 1..) = server_rd.read(&mut buf).await {
                for chunk in buf[..n].chunks(bytes) {
                    if client_wr.write_all(chunk).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(every).await;
                }
            }
        }
        Fault::Slicing => {
            while let Ok(n @ 1..) = server_rd.read(&mut buf).await {
                for b in &buf[..n] {
                    if client_wr.write_all(&[*b]).await.is_err() {
                        return;
                    }
                    let _ = client_wr.flush().await;
                }
            }
        }
        Fault::Truncate(cut) => {
            // One response: everything that arrives until the upstream goes quiet.
            let mut response = Vec::new();
            while let Ok(Ok(n @ 1..)) =
                tokio::time::timeout(Duration::from_millis(200), server_rd.read(&mut buf)).await
            {
                response.extend_from_slice(&buf[..n]);
            }
            let keep = response.len().saturating_sub(cut);
            let _ = client_wr.write_all(&response[..keep]).await;
            let _ = client_wr.shutdown().await;
        }
        Fault::Reset(_) => {}
    }
}

/// Relays one request, forwards the first `first` bytes of the response, then resets the
/// connection (SO_LINGER 0 turns the close into an RST).
async fn reset_after(mut client: TcpStream, mut server: TcpStream, first: usize) {
    let mut buf = vec![0u8; 64 * 1024];
    let Ok(n @ 1..) = client.read(&mut buf).await else {
        return;
    };
    if server.write_all(&buf[..n]).await.is_err() {
        return;
    }
    let mut sent = 0;
    while sent < first {
        let Ok(n @ 1..) = server.read(&mut buf).await else {
            break;
        };
        let n = n.min(first - sent);
        if client.write_all(&buf[..n]).await.is_err() {
            return;
        }
        sent += n;
    }
    let _ = socket2::SockRef::from(&client).set_linger(Some(Duration::ZERO));
    drop(client);
}

fn config(relay: &Relay) -> String {
    format!(
        "[upstream]\nurl = \"http://{}\"\n[limits]\nresponse_timeout_ms = 1500\n\
         [[routes]]\nname = \"json\"\npath = \"/json\"\nkind = \"search\"\nengine = \"generic\"\n\
         [routes.generic]\nhits = \"/hits\"\ntotal = \"/total\"\nurl = \"/url\"\ntitle = \"/title\"\n\
         [[lists]]\nname = \"terms\"\nkind = \"terms\"\npath = \"{}\"\n",
        relay.addr,
        util::root().join("lists/terms.txt").display()
    )
}

#[test]
fn every_upstream_fault_ends_in_bounded_time_with_a_safe_answer() {
    let up = Upstream::start();
    // (case, fault, expected status; 200 means the clean body must arrive whole)
    let cases = [
        (
            "latency under the timeout",
            Fault::Latency(Duration::from_millis(300)),
            200,
        ),
        (
            "latency over the timeout",
            Fault::Latency(Duration::from_millis(4000)),
            504,
        ),
        (
            "low bandwidth",
            Fault::Bandwidth {
                bytes: 32,
                every: Duration::from_millis(5),
            },
            200,
        ),
        ("1-byte slices", Fault::Slicing, 200),
        ("hang", Fault::Hang, 504),
        ("truncated body", Fault::Truncate(20), 502),
        ("truncated head", Fault::Truncate(usize::MAX), 502),
        ("reset mid-response", Fault::Reset(150), 502),
    ];
    for (name, fault, want) in cases {
        let relay = Relay::start(up.addr, fault);
        let proxy = Proxy::serve(&config(&relay), &[]);
        let started = Instant::now();
        let r = get(proxy.proxy, "/json?q=garden", &[]);
        // The status carries the claim: a hang or a latency over the deadline could only end in
        // 504 through the response deadline (the client's own read timeout, 30 s, would give no
        // reply at all). How long the answer took is printed, not asserted.
        println!("{name}: {} after {:?}", r.status, started.elapsed());
        assert_eq!(r.status, want, "{name}: {}", r.text());
        if want == 200 {
            assert_eq!(r.body, util::CLEAN_JSON, "{name}");
        } else {
            // The route's safe answer: our own small JSON error, nothing of the upstream's.
            assert!(r.json()["error"].is_string(), "{name}: {}", r.text());
            assert!(!r.text().contains("garden.example"), "{name}: {}", r.text());
        }
        // The proxy itself is unharmed.
        assert_eq!(get(proxy.admin, "/healthz", &[]).status, 200, "{name}");
    }
}
