//! Verified lease claims by the exact token text, so a lease's ES256 signature is checked once
//! per token rather than on every call. Only what the token bytes alone decide is cached
//! (signature, kid, claim presence, `iss`/`aud`, claim shapes); `exp` and `nbf` are checked
//! against the clock on every call, and the DPoP proof is never cached. Bounded: the oldest
//! token is forgotten first (it is then simply verified again).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::auth::lease::LeaseClaims;
use crate::caps::Bounded;

#[derive(Debug, Default)]
struct Inner {
    by_token: HashMap<Arc<str>, Arc<LeaseClaims>>,
    /// Insertion order, oldest first.
    order: VecDeque<Arc<str>>,
}

/// Bounded map token → verified claims.
#[derive(Debug)]
pub struct VerifiedLeases {
    inner: Bounded<Inner>,
}

impl VerifiedLeases {
    /// A cache of at most `capacity` tokens (0 = no caching).
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Bounded::new(capacity),
        }
    }

    /// The claims of a token whose signature was verified before.
    pub fn get(&self, token: &str) -> Option<Arc<LeaseClaims>> {
        let g = self.inner.lock();
        g.by_token.get(token).cloned()
    }

    /// Remembers a token whose signature and claims verified.
    pub fn insert(&self, token: &str, claims: Arc<LeaseClaims>) {
        if self.inner.capacity() == 0 {
            return;
        }
        let mut g = self.inner.lock();
        if g.by_token.contains_key(token) {
            return;
        }
        while g.order.len() >= self.inner.capacity() {
            if let Some(old) = g.order.pop_front() {
                g.by_token.remove(&old);
            }
        }
        let key: Arc<str> = Arc::from(token);
        g.order.push_back(Arc::clone(&key));
        g.by_token.insert(key, claims);
    }

    /// Number of tokens remembered.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.inner.lock().order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::lease::Cnf;

    fn claims(jti: &str) -> Arc<LeaseClaims> {
        Arc::new(LeaseClaims {
            iss: "latchgate".into(),
            sub: "s".into(),
            aud: "latchgate".into(),
            exp: 2,
            nbf: 1,
            iat: 1,
            jti: jti.into(),
            session_id: "s".into(),
            scope: Vec::new(),
            budgets: None,
            cnf: Cnf { jkt: "k".into() },
            owner: None,
        })
    }

    #[test]
    fn full_cache_forgets_the_oldest_token_first() {
        let c = VerifiedLeases::new(2);
        c.insert("a", claims("a"));
        c.insert("b", claims("b"));
        c.insert("c", claims("c"));
        assert_eq!(c.len(), 2);
        assert!(c.get("a").is_none(), "oldest token still cached");
        assert_eq!(c.get("c").map(|x| x.jti.clone()).as_deref(), Some("c"));
    }

    #[test]
    fn capacity_zero_caches_nothing() {
        let c = VerifiedLeases::new(0);
        c.insert("a", claims("a"));
        assert!(c.get("a").is_none());
    }
}
