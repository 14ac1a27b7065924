//! Per-lease call budgets: a signed counter per session, initialised at issuance from
//! `max_calls` (absent/null → `u64::MAX as i64` = −1: exhausted at birth, as the gate), row TTL
//! = lease TTL setting + 60 s of virtual time, atomic debit of 1, refund of 1.

use std::collections::HashMap;
use std::sync::Mutex;

/// Why a debit failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetError {
    /// No calls left (lost race after the snapshot) → 403 `budget_exhausted`.
    Exhausted,
    /// Row missing or expired → 403 `budget_session_not_found`.
    SessionNotFound,
}

#[derive(Debug, Clone, Copy)]
struct Row {
    remaining: i64,
    expires_ms: i64,
}

/// Rows held before the first sweep of expired rows.
const FIRST_SWEEP_AT: usize = 1_024;

#[derive(Debug, Default)]
struct Rows {
    by_session: HashMap<String, Row>,
    /// Row count at which `init` next drops expired rows (amortised: twice the live rows).
    sweep_at: usize,
}

/// session_id → remaining calls. Expired rows answer as missing and are dropped in sweeps, so
/// the store holds about the leases of one TTL (+ 60 s), not every lease ever issued.
#[derive(Debug, Default)]
pub struct BudgetStore {
    rows: Mutex<Rows>,
}

impl BudgetStore {
    /// Creates the row of a new lease.
    pub fn init(&self, session_id: &str, max_calls: Option<u64>, ttl_secs: u64, now_ms: i64) {
        let remaining = max_calls.unwrap_or(u64::MAX) as i64;
        let expires_ms =
            now_ms.saturating_add((ttl_secs.saturating_add(60) as i64).saturating_mul(1000));
        let mut g = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        if g.by_session.len() >= g.sweep_at.max(FIRST_SWEEP_AT) {
            g.by_session.retain(|_, r| r.expires_ms > now_ms);
            g.sweep_at = 2 * g.by_session.len();
        }
        g.by_session.insert(
            session_id.to_string(),
            Row {
                remaining,
                expires_ms,
            },
        );
    }

    /// Rows held (live or expired but not yet swept).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.rows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_session
            .len()
    }

    /// Current remaining calls, or `SessionNotFound` when the row is missing/expired.
    pub fn snapshot(&self, session_id: &str, now_ms: i64) -> Result<i64, BudgetError> {
        let rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        match rows.by_session.get(session_id) {
            Some(r) if r.expires_ms > now_ms => Ok(r.remaining),
            _ => Err(BudgetError::SessionNotFound),
        }
    }

    /// Atomically takes one call if any remains.
    pub fn debit(&self, session_id: &str, now_ms: i64) -> Result<i64, BudgetError> {
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        match rows.by_session.get_mut(session_id) {
            Some(r) if r.expires_ms > now_ms => {
                if r.remaining > 0 {
                    r.remaining -= 1;
                    Ok(r.remaining)
                } else {
                    Err(BudgetError::Exhausted)
                }
            }
            _ => Err(BudgetError::SessionNotFound),
        }
    }

    /// Gives one call back (failure between debit and dispatch).
    pub fn refund(&self, session_id: &str) {
        if let Some(r) = self
            .rows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_session
            .get_mut(session_id)
        {
            r.remaining = r.remaining.saturating_add(1);
        }
    }

    /// Forgets every row.
    pub fn clear(&self) {
        *self.rows.lock().unwrap_or_else(|e| e.into_inner()) = Rows::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_without_max_calls_is_born_exhausted() {
        let b = BudgetStore::default();
        b.init("s", None, 300, 0);
        assert_eq!(b.snapshot("s", 0), Ok(-1));
        assert_eq!(b.debit("s", 0), Err(BudgetError::Exhausted));
    }

    #[test]
    fn debit_takes_exactly_max_calls() {
        let b = BudgetStore::default();
        b.init("s", Some(2), 300, 0);
        assert_eq!(b.debit("s", 0), Ok(1));
        assert_eq!(b.debit("s", 0), Ok(0));
        assert_eq!(b.debit("s", 0), Err(BudgetError::Exhausted));
    }

    #[test]
    fn expired_rows_are_swept_when_new_leases_arrive() {
        let b = BudgetStore::default();
        for i in 0..FIRST_SWEEP_AT {
            b.init(&format!("old{i}"), Some(1), 300, 0);
        }
        b.init("new", Some(1), 300, 360_000);
        assert_eq!(b.len(), 1, "expired rows kept after a sweep");
        assert_eq!(b.snapshot("new", 360_000), Ok(1));
    }

    #[test]
    fn row_expires_sixty_seconds_after_the_lease_ttl() {
        let b = BudgetStore::default();
        b.init("s", Some(1), 300, 0);
        assert!(b.snapshot("s", 359_999).is_ok());
        assert_eq!(b.snapshot("s", 360_000), Err(BudgetError::SessionNotFound));
    }
}
