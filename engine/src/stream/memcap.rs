//! The reassembly memory budget.
//!
//! A [`StreamMemcap`] is a cheap-to-clone handle on one counter. Each
//! stream direction holds a clone, reserves before it stores bytes and
//! gives them back when it frees them (and on drop), so a session that ends
//! in any way — flow timeout, eviction, reuse — can never leak budget.
//!
//! The counter is an atomic rather than a `&mut` budget threaded through
//! every call because release-on-drop needs the handle inside the session.
//! It is still lock-free: the intended use is one handle per worker (limit
//! = memcap / workers), so the atomic is uncontended; cloning one handle
//! into several workers gives a single global cap instead, which is also
//! correct, only with some cache-line traffic.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Debug)]
struct Inner {
    limit: u64,
    used: AtomicU64,
}

/// A shared reassembly byte budget (see the module doc).
#[derive(Debug, Clone)]
pub struct StreamMemcap {
    inner: Arc<Inner>,
}

impl StreamMemcap {
    /// A budget of `limit` bytes; 0 means unlimited.
    pub fn new(limit: u64) -> Self {
        StreamMemcap {
            inner: Arc::new(Inner {
                limit: if limit == 0 { u64::MAX } else { limit },
                used: AtomicU64::new(0),
            }),
        }
    }

    /// The limit in bytes (`u64::MAX` when unlimited).
    pub fn limit(&self) -> u64 {
        self.inner.limit
    }

    /// Bytes currently reserved.
    pub fn used(&self) -> u64 {
        self.inner.used.load(Ordering::Relaxed)
    }

    /// Reserves `n` bytes; false (and nothing reserved) when that would
    /// exceed the limit.
    #[must_use]
    pub fn try_reserve(&self, n: u64) -> bool {
        if n == 0 {
            return true;
        }
        let limit = self.inner.limit;
        self.inner
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(n).filter(|total| *total <= limit)
            })
            .is_ok()
    }

    /// Gives back `n` previously reserved bytes.
    pub fn release(&self, n: u64) {
        if n == 0 {
            return;
        }
        // Saturate rather than wrap if a caller ever releases too much: an
        // accounting bug must not turn into an unlimited budget.
        let _ = self
            .inner
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                Some(used.saturating_sub(n))
            });
    }
}

#[cfg(test)]
mod tests {
    use super::StreamMemcap;

    #[test]
    fn reserve_respects_limit_and_release() {
        let m = StreamMemcap::new(100);
        assert!(m.try_reserve(60));
        assert!(!m.try_reserve(41));
        assert_eq!(m.used(), 60);
        let clone = m.clone();
        assert!(clone.try_reserve(40));
        assert_eq!(m.used(), 100);
        m.release(100);
        assert_eq!(clone.used(), 0);
        m.release(5);
        assert_eq!(m.used(), 0);
    }

    #[test]
    fn zero_is_unlimited() {
        let m = StreamMemcap::new(0);
        assert!(m.try_reserve(u64::MAX / 2));
        assert!(m.try_reserve(u64::MAX / 2));
        assert!(!m.try_reserve(u64::MAX));
    }
}
