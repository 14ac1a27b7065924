//! Token buckets with bucket size = rate, refilled at each second boundary of the gate's
//! [`VirtualClock`] (the gate's coarse 1 Hz clock of Unix seconds; it follows the wall clock
//! unless a test freezes or moves it). Rate 0 disables a limiter.

use crate::control::clock::VirtualClock;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A family of token buckets keyed by string.
#[derive(Debug)]
pub struct RateLimiter {
    rps: u32,
    clock: Arc<VirtualClock>,
    buckets: Mutex<HashMap<String, (u64, u32)>>,
}

impl RateLimiter {
    /// Buckets of `rps` tokens, refilled by `clock`'s seconds.
    pub fn new(rps: u32, clock: Arc<VirtualClock>) -> Self {
        Self {
            rps,
            clock,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token from `key`'s bucket; false when empty.
    pub fn check(&self, key: &str) -> bool {
        if self.rps == 0 {
            return true;
        }
        let now = self.clock.now_unix().max(0) as u64;
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, (last, _)| now.saturating_sub(*last) < 60);
        }
        let (last, tokens) = map.entry(key.to_string()).or_insert((now, self.rps));
        let refilled = (*tokens as u64)
            .saturating_add(now.saturating_sub(*last).saturating_mul(self.rps as u64))
            .min(self.rps as u64) as u32;
        *last = now;
        if refilled == 0 {
            *tokens = 0;
            return false;
        }
        *tokens = refilled - 1;
        true
    }

    /// Refills every bucket.
    pub fn clear(&self) {
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// `session_id` read from the unverified lease payload (decoded ≤ 512 bytes, id 1–256 chars).
pub fn session_hint(authorization: Option<&str>) -> Option<String> {
    let token = authorization?.strip_prefix("DPoP ")?;
    let payload = token.split('.').nth(1)?;
    let decoded = crate::crypto::b64_decode(payload)?;
    if decoded.len() > 512 {
        return None;
    }
    #[derive(serde::Deserialize)]
    struct Hint {
        session_id: Option<String>,
    }
    let hint: Hint = serde_json::from_slice(&decoded).ok()?;
    let id = hint.session_id?;
    if id.is_empty() || id.len() > 256 {
        return None;
    }
    Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frozen() -> Arc<VirtualClock> {
        let clock = VirtualClock::new();
        clock.freeze();
        clock
    }

    #[test]
    fn bucket_allows_rate_then_refuses_within_the_second() {
        let l = RateLimiter::new(3, frozen());
        assert!(l.check("a") && l.check("a") && l.check("a"));
        assert!(!l.check("a"));
        assert!(l.check("b"), "buckets are per key");
    }

    #[test]
    fn bucket_refills_when_the_clock_reaches_the_next_second() {
        let clock = frozen();
        let l = RateLimiter::new(2, clock.clone());
        assert!(l.check("a") && l.check("a") && !l.check("a"));
        clock.advance(std::time::Duration::from_secs(1));
        assert!(l.check("a") && l.check("a"), "two tokens after one second");
        assert!(!l.check("a"), "and no more");
    }
}
