//! Per-client fairness: open connections and requests in flight counted per client address,
//! each bounded, so one address cannot take the capacity everyone shares. Shared by all
//! workers; an address is tracked only while it has something open, so the table never holds
//! more entries than there are connections and requests at once.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Locks are split by address so that workers rarely wait on each other.
const SHARDS: usize = 32;

/// Every request takes and gives back its slot, so the address is hashed twice per request:
/// foldhash, randomly seeded per process, costs a fraction of SipHash on an address (load
/// benchmark). Its weaker resistance to chosen collisions is bounded here: the table holds no
/// more entries than there are open connections and requests, so a colliding set costs at most
/// a scan of those.
type RandomState = foldhash::fast::RandomState;

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    connections: u32,
    in_flight: u32,
}

/// What a guard holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Connection,
    InFlight,
}

/// Per-client counts of connections and requests in flight, with their limits.
#[derive(Debug)]
pub struct ClientTable {
    shards: Box<[Mutex<HashMap<IpAddr, Counts, RandomState>>]>,
    hasher: RandomState,
    max_connections: u32,
    max_in_flight: u32,
}

impl ClientTable {
    /// A table allowing each client `connections` open connections and `in_flight` requests.
    pub fn new(connections: usize, in_flight: usize) -> ClientTable {
        ClientTable {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::default(),
            max_connections: u32::try_from(connections).unwrap_or(u32::MAX),
            max_in_flight: u32::try_from(in_flight).unwrap_or(u32::MAX),
        }
    }

    fn shard(&self, ip: &IpAddr) -> &Mutex<HashMap<IpAddr, Counts, RandomState>> {
        // `SHARDS` is non-zero, so the index is always in range.
        &self.shards[(self.hasher.hash_one(ip) as usize) % SHARDS]
    }

    /// Counts one more open connection of `ip`; `None` (nothing counted) when it already has
    /// its limit.
    pub fn connect(self: &Arc<Self>, ip: IpAddr) -> Option<ClientGuard> {
        self.take(ip, Slot::Connection)
    }

    /// Counts one more request in flight of `ip`; `None` (nothing counted) when it already has
    /// its limit.
    pub fn begin(self: &Arc<Self>, ip: IpAddr) -> Option<ClientGuard> {
        self.take(ip, Slot::InFlight)
    }

    fn take(self: &Arc<Self>, ip: IpAddr, slot: Slot) -> Option<ClientGuard> {
        // A poisoned lock only means another thread panicked mid-update of plain counters.
        let mut map = self
            .shard(&ip)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let c = map.entry(ip).or_default();
        let (count, max) = match slot {
            Slot::Connection => (&mut c.connections, self.max_connections),
            Slot::InFlight => (&mut c.in_flight, self.max_in_flight),
        };
        if *count >= max {
            if c.connections == 0 && c.in_flight == 0 {
                map.remove(&ip);
            }
            return None;
        }
        *count += 1;
        Some(ClientGuard {
            table: self.clone(),
            ip,
            slot,
        })
    }

    fn release(&self, ip: IpAddr, slot: Slot) {
        let mut map = self
            .shard(&ip)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = map.get_mut(&ip) {
            match slot {
                Slot::Connection => c.connections = c.connections.saturating_sub(1),
                Slot::InFlight => c.in_flight = c.in_flight.saturating_sub(1),
            }
            if c.connections == 0 && c.in_flight == 0 {
                map.remove(&ip);
            }
        }
    }

    /// Addresses with something open.
    pub fn tracked(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |m| m.len()))
            .sum()
    }
}

/// One connection or request of a client, counted until dropped.
#[derive(Debug)]
pub struct ClientGuard {
    table: Arc<ClientTable>,
    ip: IpAddr,
    slot: Slot,
}

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.table.release(self.ip, self.slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn each_client_has_its_own_limits_and_entries_go_when_empty() {
        let t = Arc::new(ClientTable::new(2, 1));
        let a = ip("127.0.0.1");
        let b = ip("127.0.0.2");
        let c1 = t.connect(a).expect("first");
        let c2 = t.connect(a).expect("second");
        assert!(t.connect(a).is_none(), "third connection of one client");
        let other = t.connect(b).expect("another client is not affected");
        let r1 = t
            .begin(a)
            .expect("in-flight counted apart from connections");
        assert!(t.begin(a).is_none(), "second request in flight");
        assert!(t.begin(b).is_some());
        assert_eq!(t.tracked(), 2);
        drop(c1);
        assert!(t.connect(a).is_some(), "a slot freed is usable again");
        drop((c2, r1, other));
        assert_eq!(t.tracked(), 0, "nothing open, nothing tracked");
        // A refusal of an unknown client leaves no entry behind.
        let none = Arc::new(ClientTable::new(0, 0));
        assert!(none.connect(a).is_none());
        assert_eq!(none.tracked(), 0);
    }

    #[test]
    fn counts_hold_under_concurrent_use() {
        let t = Arc::new(ClientTable::new(1000, 1000));
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let t = t.clone();
                std::thread::spawn(move || {
                    for n in 0..2000u32 {
                        let ip = IpAddr::from([10, 0, i, (n % 7) as u8]);
                        let g = t.begin(ip).expect("under the limit");
                        drop(g);
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
        assert_eq!(t.tracked(), 0);
    }
}
