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

/// session_id → remaining calls.
#[derive(Debug, Default)]
pub struct BudgetStore {
    rows: Mutex<HashMap<String, Row>>,
}

impl BudgetStore {
    /// Creates the row of a new lease.
    pub fn init(&self, session_id: &str, max_calls: Option<u64>, ttl_secs: u64, now_ms: i64) {
        let remaining = max_calls.unwrap_or(u64::MAX) as i64;
        let expires_ms =
            now_ms.saturating_add((ttl_secs.saturating_add(60) as i64).saturating_mul(1000));
        self.rows.lock().unwrap_or_else(|e| e.into_inner()).insert(
            session_id.to_string(),
            Row {
                remaining,
                expires_ms,
            },
        );
    }

    /// Current remaining calls, or `SessionNotFound` when the row is missing/expired.
    pub fn snapshot(&self, session_id: &str, now_ms: i64) -> Result<i64, BudgetError> {
        let rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        match rows.get(session_id) {
            Some(r) if r.expires_ms > now_ms => Ok(r.remaining),
            _ => Err(BudgetError::SessionNotFound),
        }
    }

    /// Atomically takes one call if any remains.
    pub fn debit(&self, session_id: &str, now_ms: i64) -> Result<i64, BudgetError> {
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        match rows.get_mut(session_id) {
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
            .get_mut(session_id)
        {
            r.remaining = r.remaining.saturating_add(1);
        }
    }

    /// Forgets every row.
    pub fn clear(&self) {
        self.rows.lock().unwrap_or_else(|e| e.into_inner()).clear();
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
    fn row_expires_sixty_seconds_after_the_lease_ttl() {
        let b = BudgetStore::default();
        b.init("s", Some(1), 300, 0);
        assert!(b.snapshot("s", 359_999).is_ok());
        assert_eq!(b.snapshot("s", 360_000), Err(BudgetError::SessionNotFound));
    }
}
