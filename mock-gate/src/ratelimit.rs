//! Token buckets with bucket size = rate, refilled at each wall-clock second boundary (the
//! gate's coarse 1 Hz clock of Unix seconds). Rate 0 disables a limiter.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// A family of token buckets keyed by string.
#[derive(Debug)]
pub struct RateLimiter {
    rps: u32,
    buckets: Mutex<HashMap<String, (u64, u32)>>,
}

impl RateLimiter {
    /// Buckets of `rps` tokens.
    pub fn new(rps: u32) -> Self {
        Self {
            rps,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token from `key`'s bucket; false when empty.
    pub fn check(&self, key: &str) -> bool {
        if self.rps == 0 {
            return true;
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
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

    #[test]
    fn bucket_allows_rate_then_refuses_within_the_second() {
        let l = RateLimiter::new(3);
        assert!(l.check("a") && l.check("a") && l.check("a"));
        assert!(!l.check("a"));
        assert!(l.check("b"), "buckets are per key");
    }
}
