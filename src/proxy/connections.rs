//! The global connection limit: `limits.max_connections` slots shared by every worker's
//! listener, so the limit holds for the whole proxy however the kernel spreads connections
//! over the workers.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The proxy's connection slots.
#[derive(Debug)]
pub struct ConnectionSlots {
    slots: Arc<Semaphore>,
    max: usize,
}

impl ConnectionSlots {
    /// `max` slots (at most [`Semaphore::MAX_PERMITS`]).
    pub fn new(max: usize) -> Arc<ConnectionSlots> {
        let max = max.min(Semaphore::MAX_PERMITS);
        Arc::new(ConnectionSlots {
            slots: Arc::new(Semaphore::new(max)),
            max,
        })
    }

    /// A slot held until the permit is dropped, or `None` when all are taken.
    pub fn try_take(&self) -> Option<OwnedSemaphorePermit> {
        self.slots.clone().try_acquire_owned().ok()
    }

    /// Slots taken now.
    pub fn used(&self) -> usize {
        self.max.saturating_sub(self.slots.available_permits())
    }

    /// All slots.
    pub fn max(&self) -> usize {
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_refused_when_all_are_taken_and_return_when_dropped() {
        let slots = ConnectionSlots::new(2);
        let a = slots.try_take();
        let b = slots.try_take();
        assert!(a.is_some() && b.is_some());
        assert!(slots.try_take().is_none(), "a third slot of two");
        assert_eq!((slots.used(), slots.max()), (2, 2));
        drop(a);
        assert_eq!(slots.used(), 1);
        assert!(slots.try_take().is_some());
    }

    #[test]
    fn an_unrepresentable_limit_is_clamped_not_a_panic() {
        let slots = ConnectionSlots::new(usize::MAX);
        assert_eq!(slots.max(), Semaphore::MAX_PERMITS);
        assert_eq!(slots.used(), 0);
    }
}
