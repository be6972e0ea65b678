//! The global budget of buffered body bytes (`limits.max_buffered_bytes`): inspected requests
//! and responses are buffered whole, so their bytes are reserved here before they are read (the
//! whole Content-Length when it is known, frame by frame when it is not), and a request that
//! finds no room is shed with `503` instead of pushing the process out of memory. A
//! [`Reservation`] gives its bytes back when dropped, on every path.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes reserved by all in-flight requests, against a maximum. Shared by all workers.
#[derive(Debug)]
pub struct BufferBudget {
    used: AtomicUsize,
    max: usize,
}

/// The budget has no room for that many more bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("buffered-bytes budget exhausted")]
pub struct OverBudget;

impl BufferBudget {
    /// A budget of `max` bytes.
    pub fn new(max: usize) -> Arc<BufferBudget> {
        Arc::new(BufferBudget {
            used: AtomicUsize::new(0),
            max,
        })
    }

    /// Bytes reserved now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// The maximum.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Reserves `n` bytes.
    ///
    /// # Errors
    /// [`OverBudget`] (nothing reserved) when they do not fit.
    pub fn reserve(self: &Arc<Self>, n: usize) -> Result<Reservation, OverBudget> {
        self.take(n)?;
        Ok(Reservation {
            budget: self.clone(),
            held: n,
        })
    }

    fn take(&self, n: usize) -> Result<(), OverBudget> {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|total| *total <= self.max)
            })
            .map(|_| ())
            .map_err(|_| OverBudget)
    }

    fn give_back(&self, n: usize) {
        self.used.fetch_sub(n, Ordering::AcqRel);
    }
}

/// Bytes held against a [`BufferBudget`] until dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<BufferBudget>,
    held: usize,
}

impl Reservation {
    /// Bytes held.
    pub fn held(&self) -> usize {
        self.held
    }

    /// Holds `n` more bytes.
    ///
    /// # Errors
    /// [`OverBudget`] (the reservation unchanged) when they do not fit.
    pub fn grow(&mut self, n: usize) -> Result<(), OverBudget> {
        self.budget.take(n)?;
        self.held += n;
        Ok(())
    }

    /// Holds at least `n` bytes in all (grows when it holds fewer, never shrinks).
    ///
    /// # Errors
    /// [`OverBudget`] (the reservation unchanged) when the difference does not fit.
    pub fn grow_to(&mut self, n: usize) -> Result<(), OverBudget> {
        self.grow(n.saturating_sub(self.held))
    }

    /// Gives back all but `n` bytes (when it holds more), for buffers that were dropped.
    pub fn shrink_to(&mut self, n: usize) {
        if let Some(extra) = self.held.checked_sub(n).filter(|e| *e > 0) {
            self.budget.give_back(extra);
            self.held = n;
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.give_back(self.held);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_grow_shrink_and_release_on_drop() {
        let b = BufferBudget::new(100);
        let mut r = b.reserve(40).expect("fits");
        assert_eq!(b.used(), 40);
        assert_eq!(b.reserve(61).unwrap_err(), OverBudget, "over the max");
        assert_eq!(b.used(), 40, "a refusal reserves nothing");
        r.grow(60).expect("exactly to the max");
        assert_eq!(b.used(), 100);
        assert!(r.grow(1).is_err());
        assert_eq!(r.held(), 100, "a refused growth changes nothing");
        r.shrink_to(30);
        assert_eq!((b.used(), r.held()), (30, 30));
        r.grow_to(20).expect("already holds more");
        assert_eq!(r.held(), 30);
        r.grow_to(50).expect("grows by the difference");
        assert_eq!(b.used(), 50);
        let other = b.reserve(50).expect("the rest");
        assert!(b.reserve(1).is_err());
        drop(r);
        assert_eq!(b.used(), 50);
        drop(other);
        assert_eq!(b.used(), 0, "every byte returns");
    }

    #[test]
    fn concurrent_reservations_never_exceed_the_max_and_all_return() {
        let b = BufferBudget::new(1000);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let b = b.clone();
                std::thread::spawn(move || {
                    let mut granted = 0;
                    for i in 0..5000 {
                        if let Ok(mut r) = b.reserve(100 + i % 50) {
                            assert!(b.used() <= 1000);
                            if r.grow(i % 300).is_ok() {
                                assert!(b.used() <= 1000);
                            }
                            granted += 1;
                        }
                    }
                    granted
                })
            })
            .collect();
        let granted: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert!(granted > 0);
        assert_eq!(b.used(), 0);
    }

    #[test]
    fn huge_requests_do_not_overflow() {
        let b = BufferBudget::new(usize::MAX - 1);
        let _r = b.reserve(10).unwrap();
        assert!(b.reserve(usize::MAX).is_err());
        assert_eq!(b.used(), 10);
    }
}
