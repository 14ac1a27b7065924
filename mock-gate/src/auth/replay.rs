//! The replay cache: one namespace for agent and operator proofs, entries live 180 s of
//! virtual time, bounded; when full (after dropping expired entries) new jtis are refused and
//! the request fails closed with `replay_cache_unavailable`.
//!
//! Memory stays flat however long the mock runs: a jti is stored as a 128-bit digest (no
//! allocation per entry), the table is sized for [`DEFAULT_CAPACITY`] at start (so it never
//! grows and re-hashes under load), and expired entries are swept once a minute of virtual
//! time, as the gate sweeps its in-memory store.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::caps::Bounded;

/// Seconds a jti is remembered.
pub const REPLAY_TTL_SECS: i64 = 180;

/// Default capacity, as the gate's in-memory store.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Virtual milliseconds between two sweeps of expired entries (the gate's sweep period).
const SWEEP_EVERY_MS: i64 = 60_000;

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

/// First 128 bits of the jti's SHA-256: two jtis share a key with probability 2⁻¹²⁸.
type Key = [u64; 2];

fn key(jti: &str) -> Key {
    let d = Sha256::digest(jti.as_bytes());
    let half = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&d[i..i + 8]);
        u64::from_le_bytes(b)
    };
    [half(0), half(8)]
}

#[derive(Debug)]
struct Inner {
    /// jti key → expiry (Unix ms).
    entries: HashMap<Key, i64>,
    /// Virtual time of the next sweep.
    next_sweep_ms: i64,
}

/// jti → expiry, bounded.
#[derive(Debug)]
pub struct ReplayCache {
    inner: Bounded<Inner>,
}

impl ReplayCache {
    /// An empty cache holding at most `capacity` live jtis.
    pub fn new(capacity: usize) -> Self {
        let empty = Inner {
            entries: HashMap::with_capacity(capacity.min(DEFAULT_CAPACITY)),
            next_sweep_ms: i64::MIN,
        };
        Self {
            inner: Bounded::holding(empty, capacity),
        }
    }

    /// Checks and stores `jti` at virtual time `now_ms`.
    pub fn check_and_store(&self, jti: &str, now_ms: i64) -> ReplayCheck {
        let k = key(jti);
        let capacity = self.inner.capacity();
        let mut g = self.inner.lock();
        if now_ms >= g.next_sweep_ms {
            g.entries.retain(|_, exp| *exp > now_ms);
            g.next_sweep_ms = now_ms.saturating_add(SWEEP_EVERY_MS);
        }
        let map = &mut g.entries;
        if let Some(exp) = map.get_mut(&k) {
            if *exp > now_ms {
                return ReplayCheck::Replayed;
            }
            *exp = now_ms + REPLAY_TTL_SECS * 1000;
            return ReplayCheck::Fresh;
        }
        if map.len() >= capacity {
            map.retain(|_, exp| *exp > now_ms);
            if map.len() >= capacity {
                return ReplayCheck::Unavailable;
            }
        }
        map.insert(k, now_ms + REPLAY_TTL_SECS * 1000);
        ReplayCheck::Fresh
    }

    /// Forgets everything (the table keeps its size).
    pub fn clear(&self) {
        let mut g = self.inner.lock();
        g.entries.clear();
        g.next_sweep_ms = i64::MIN;
    }

    /// Number of stored jtis (expired ones count until the next sweep).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.inner.lock().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::ReplayCheck::{Fresh, Replayed, Unavailable};
    use super::*;

    /// Checks each `(jti, now_ms, outcome)` in turn on a fresh cache of `capacity`.
    fn assert_checks(capacity: usize, checks: &[(&str, i64, ReplayCheck)]) {
        let c = ReplayCache::new(capacity);
        for &(jti, now_ms, want) in checks {
            assert_eq!(
                c.check_and_store(jti, now_ms),
                want,
                "{jti:?} at {now_ms} ms"
            );
        }
    }

    #[test]
    fn second_use_within_ttl_is_a_replay_and_after_ttl_is_fresh() {
        assert_checks(
            10,
            &[
                ("a", 0, Fresh),
                ("a", 179_999, Replayed),
                ("a", 180_000, Fresh),
            ],
        );
    }

    #[test]
    fn full_cache_refuses_new_jtis() {
        assert_checks(
            1,
            &[
                ("a", 0, Fresh),
                ("b", 1, Unavailable),
                ("b", 180_001, Fresh),
            ],
        );
    }

    #[test]
    fn expired_jtis_stop_taking_room_once_a_sweep_ran() {
        let c = ReplayCache::new(10);
        c.check_and_store("a", 0);
        c.check_and_store("b", 200_000);
        assert_eq!(c.len(), 1, "jti expired at 180 s still stored at 200 s");
    }

    #[test]
    fn jtis_differing_in_one_byte_are_distinct() {
        assert_checks(10, &[("jti-1", 0, Fresh), ("jti-2", 0, Fresh)]);
    }
}
