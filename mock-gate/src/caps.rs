//! Bounds on everything a gate keeps per request, so a long-running mock stays within a fixed
//! memory budget. What happens at each bound:
//!
//! | store | at the cap |
//! |---|---|
//! | journal | ring: the oldest entry is dropped and counted (`Journal::dropped`) |
//! | receipts | the oldest receipt is forgotten; reading it answers as for an unknown id (404 `{"error":"not_found"}`) |
//! | approvals | a resolved or no-longer-claimable approval is forgotten first, else the oldest pending one; reading it answers as for an unknown id |
//! | audit events | the oldest event is dropped; `/v1/audit/verify` then starts from its hash |
//! | learned rows (per table) | a new domain/path row is refused: 500 `ledger_error` on the admin routes (as the gate's 51st path glob); an approve still executes but learns nothing |
//! | verified leases | the oldest token is forgotten and simply verified again on its next use |
//! | session fs roots | roots of leases expired for 60 s are forgotten; if still full, a lease request with an `fs_root` is refused: 503 `{"error":"store_unavailable"}` |
//!
//! The replay cache has its own bound (`replay_capacity`, default 100 000: new proofs are
//! refused with `replay_cache_unavailable` while it is full of unexpired jtis).

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

/// Per-store bounds (number of records).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Caps {
    /// Journal entries kept (ring).
    pub journal: usize,
    /// Receipts kept.
    pub receipts: usize,
    /// Approvals kept.
    pub approvals: usize,
    /// Audit events kept.
    pub audit_events: usize,
    /// Rows of each learned table (domains, paths).
    pub learned_rows: usize,
    /// Lease tokens whose verified claims are remembered.
    pub verified_leases: usize,
    /// Sessions whose lease carries its own `fs_root`.
    pub session_fs_roots: usize,
}

impl Default for Caps {
    fn default() -> Self {
        Self {
            journal: 1_000,
            receipts: 5_000,
            approvals: 10_000,
            audit_events: 10_000,
            learned_rows: 10_000,
            verified_leases: 1_024,
            session_fs_roots: 10_000,
        }
    }
}

/// A store's records behind one lock, with the most records it may keep (what it does at the
/// bound is the store's own, as the table above says).
#[derive(Debug)]
pub struct Bounded<S> {
    records: Mutex<S>,
    capacity: usize,
}

impl<S: Default> Bounded<S> {
    /// Empty records, at most `capacity` of them.
    pub fn new(capacity: usize) -> Self {
        Self {
            records: Mutex::default(),
            capacity,
        }
    }
}

impl<S> Bounded<S> {
    /// `records` as they start, at most `capacity` of them.
    pub fn holding(records: S, capacity: usize) -> Self {
        Self {
            records: Mutex::new(records),
            capacity,
        }
    }

    /// The records, locked; a panic of another holder of the lock leaves them usable, as every
    /// change to them is made whole under it.
    pub fn lock(&self) -> MutexGuard<'_, S> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The most records kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// `serve` flags for the bounds (each overrides the config file's `[caps]` key).
#[cfg(feature = "cli")]
#[derive(Debug, Default, clap::Args)]
pub struct CapsArgs {
    /// Journal entries kept (ring; default 1000).
    #[arg(long, value_name = "N")]
    pub cap_journal: Option<usize>,
    /// Receipts kept (default 5000).
    #[arg(long, value_name = "N")]
    pub cap_receipts: Option<usize>,
    /// Approvals kept (default 10000).
    #[arg(long, value_name = "N")]
    pub cap_approvals: Option<usize>,
    /// Audit events kept (default 10000).
    #[arg(long, value_name = "N")]
    pub cap_audit_events: Option<usize>,
    /// Rows of each learned table (default 10000).
    #[arg(long, value_name = "N")]
    pub cap_learned_rows: Option<usize>,
    /// Lease tokens whose verified claims are remembered (default 1024).
    #[arg(long, value_name = "N")]
    pub cap_verified_leases: Option<usize>,
    /// Sessions with their own `fs_root` (default 10000).
    #[arg(long, value_name = "N")]
    pub cap_session_fs_roots: Option<usize>,
    /// Replay cache capacity (default 100000).
    #[arg(long, value_name = "N")]
    pub replay_capacity: Option<usize>,
}

#[cfg(feature = "cli")]
impl CapsArgs {
    /// Flags over `file` over the defaults.
    pub fn merged(&self, file: Option<Caps>) -> Caps {
        let base = file.unwrap_or_default();
        Caps {
            journal: self.cap_journal.unwrap_or(base.journal),
            receipts: self.cap_receipts.unwrap_or(base.receipts),
            approvals: self.cap_approvals.unwrap_or(base.approvals),
            audit_events: self.cap_audit_events.unwrap_or(base.audit_events),
            learned_rows: self.cap_learned_rows.unwrap_or(base.learned_rows),
            verified_leases: self.cap_verified_leases.unwrap_or(base.verified_leases),
            session_fs_roots: self.cap_session_fs_roots.unwrap_or(base.session_fs_roots),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_wins_over_file_and_file_over_default() {
        let args = CapsArgs {
            cap_journal: Some(3),
            ..Default::default()
        };
        let file = Caps {
            journal: 7,
            receipts: 9,
            ..Caps::default()
        };
        let c = args.merged(Some(file));
        assert_eq!(
            (c.journal, c.receipts, c.approvals),
            (3, 9, Caps::default().approvals)
        );
    }
}
