//! The replay cache: one namespace for agent and operator proofs, entries live 180 s of
//! virtual time, bounded; when full (after dropping expired entries) new jtis are refused and
//! the request fails closed with `replay_cache_unavailable`.

use std::collections::HashMap;
use std::sync::Mutex;

/// Seconds a jti is remembered.
pub const REPLAY_TTL_SECS: i64 = 180;

/// Default capacity, as the gate's in-memory store.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Outcome of a replay check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayCheck {
    /// First use: stored.
    Fresh,
    /// Seen within the TTL.
    Replayed,
    /// Store full.
    Unavailable,
}

/// jti → expiry (Unix ms).
#[derive(Debug)]
pub struct ReplayCache {
    entries: Mutex<HashMap<Box<str>, i64>>,
    capacity: usize,
}

impl ReplayCache {
    /// An empty cache holding at most `capacity` live jtis.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// Checks and stores `jti` at virtual time `now_ms`.
    pub fn check_and_store(&self, jti: &str, now_ms: i64) -> ReplayCheck {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(exp) = map.get(jti) {
            if *exp > now_ms {
                return ReplayCheck::Replayed;
            }
            map.insert(jti.into(), now_ms + REPLAY_TTL_SECS * 1000);
            return ReplayCheck::Fresh;
        }
        if map.len() >= self.capacity {
            map.retain(|_, exp| *exp > now_ms);
            if map.len() >= self.capacity {
                return ReplayCheck::Unavailable;
            }
        }
        map.insert(jti.into(), now_ms + REPLAY_TTL_SECS * 1000);
        ReplayCheck::Fresh
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_use_within_ttl_is_a_replay_and_after_ttl_is_fresh() {
        let c = ReplayCache::new(10);
        assert_eq!(c.check_and_store("a", 0), ReplayCheck::Fresh);
        assert_eq!(c.check_and_store("a", 179_999), ReplayCheck::Replayed);
        assert_eq!(c.check_and_store("a", 180_000), ReplayCheck::Fresh);
    }

    #[test]
    fn full_cache_refuses_new_jtis() {
        let c = ReplayCache::new(1);
        assert_eq!(c.check_and_store("a", 0), ReplayCheck::Fresh);
        assert_eq!(c.check_and_store("b", 1), ReplayCheck::Unavailable);
        assert_eq!(c.check_and_store("b", 180_001), ReplayCheck::Fresh);
    }
}
