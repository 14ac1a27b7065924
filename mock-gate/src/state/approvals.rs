//! Approval records, as the gate's SQLite store keeps them: pending TTL 300 s, claims valid
//! 120 s, rows claimable up to one extra TTL (created + 600 s), reads never filtered by expiry.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::actions::manifest::{EgressProfile, RiskLevel, VerifierKind};
use crate::caps::Bounded;
use crate::state::caller::Caller;

/// Pending lifetime (s).
pub const APPROVAL_TTL_SECS: i64 = 300;
/// Claim lifetime (s).
pub const CLAIM_TTL_SECS: i64 = 120;

/// Approval lifecycle state (variant order = the gate's, for query-string errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalState {
    /// Awaiting an operator.
    Pending,
    /// An operator is executing it.
    Claimed,
    /// Executed.
    Approved,
    /// Refused.
    Denied,
    /// Approved but execution failed.
    Failed,
}

/// The immutable plan stored with a pending approval.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Targets the policy approved (domains).
    pub approved_targets: Vec<String>,
    /// Egress profile.
    pub approved_egress: EgressProfile,
    /// Verifier.
    pub verifier_kind: VerifierKind,
    /// Provider digest.
    pub provider_module_digest: String,
    /// Hash over the plan.
    pub plan_hash: String,
    /// Budget snapshot at the time of the call.
    pub calls_remaining: i64,
    /// What the policy expected after the debit.
    pub calls_after: i64,
    /// Whether the lease had budgets (debit at approve time).
    pub had_budgets: bool,
}

/// What the prechecks left unresolved about one call (the policy input's `unresolved_domains`
/// and `unresolved_paths`): the policy weighs it, a held call keeps it for the operator, and
/// approving the call can learn its first domain or path.
#[derive(Debug, Clone, Default)]
pub struct Unresolved {
    /// Domains not in the egress allowlist.
    pub domains: Vec<String>,
    /// Paths not in the allowed globs.
    pub paths: Vec<String>,
}

/// One approval.
#[derive(Debug, Clone)]
pub struct ApprovalRecord {
    /// Id (UUIDv7).
    pub approval_id: String,
    /// Trace of the original call.
    pub trace_id: String,
    /// Action.
    pub action_id: String,
    /// Action version.
    pub action_version: String,
    /// Risk.
    pub risk_level: RiskLevel,
    /// Who made the held call.
    pub caller: Caller,
    /// `sha256:` JCS hash of the body.
    pub request_hash: String,
    /// The original body (never returned).
    pub request_body: Value,
    /// Policy version.
    pub policy_version: Option<String>,
    /// Creation.
    pub created: Stamp,
    /// Plan expiry, as the gate renders it.
    pub expires_at: String,
    /// State.
    pub state: ApprovalState,
    /// Claiming operator.
    pub claimed_by: Option<String>,
    /// Claim time.
    pub claimed: Option<Stamp>,
    /// Completion time.
    pub completed: Option<Stamp>,
    /// Receipt of the approved execution.
    pub receipt_id: Option<String>,
    /// Operator reason.
    pub deny_reason: Option<String>,
    /// Failure text.
    pub error_code: Option<String>,
    /// Domains and paths not in the allowlist.
    pub unresolved: Unresolved,
    /// Stored plan.
    pub plan: Plan,
}

impl ApprovalRecord {
    /// Plan expiry (Unix ms).
    pub fn expires_ms(&self) -> i64 {
        self.created.ms + APPROVAL_TTL_SECS * 1000
    }
}

/// An instant: Unix ms for the store's arithmetic, text as the gate writes it.
#[derive(Debug, Clone)]
pub struct Stamp {
    /// Unix ms.
    pub ms: i64,
    /// RFC 3339 with 9 fractional digits.
    pub text: String,
}

impl Stamp {
    /// `t` in both forms.
    pub fn at(t: chrono::DateTime<chrono::Utc>) -> Self {
        Stamp {
            ms: t.timestamp_millis(),
            text: crate::control::clock::rfc3339_nanos(t),
        }
    }
}

/// Result of a claim attempt.
#[derive(Debug, Clone)]
pub enum Claim {
    /// Claimed: execute it.
    Claimed(Box<ApprovalRecord>),
    /// Unknown or past created + 600 s.
    NotFound,
    /// Another claim younger than 120 s.
    AlreadyClaimed,
    /// Terminal already.
    Completed(Box<ApprovalRecord>),
}

/// All approvals, newest last, at most `capacity`: beyond it a resolved or no-longer-claimable
/// approval (past created + 600 s) is forgotten first, else the oldest pending one; a forgotten
/// id reads as unknown.
#[derive(Debug)]
pub struct ApprovalStore {
    inner: Bounded<(HashMap<String, ApprovalRecord>, Vec<String>)>,
}

impl ApprovalRecord {
    /// Resolved, or past the last instant it could be claimed, at `now_ms`.
    fn is_settled(&self, now_ms: i64) -> bool {
        !matches!(self.state, ApprovalState::Pending | ApprovalState::Claimed)
            || now_ms > self.created.ms + 2 * APPROVAL_TTL_SECS * 1000
    }
}

impl ApprovalStore {
    /// A store keeping at most `capacity` approvals.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Bounded::new(capacity),
        }
    }

    /// Stores a new pending record (one locked insert of the complete record), making room
    /// first when full (the record's creation is the time of the choice).
    pub fn insert(&self, rec: ApprovalRecord) {
        let mut g = self.inner.lock();
        let (map, order) = &mut *g;
        while !order.is_empty() && order.len() >= self.inner.capacity().max(1) {
            let victim = order
                .iter()
                .position(|id| map.get(id).is_none_or(|r| r.is_settled(rec.created.ms)))
                .unwrap_or(0);
            let id = order.remove(victim);
            map.remove(&id);
        }
        order.push(rec.approval_id.clone());
        map.insert(rec.approval_id.clone(), rec);
    }

    /// Reads a record (no expiry filter).
    pub fn get(&self, id: &str) -> Option<ApprovalRecord> {
        self.inner.lock().0.get(id).cloned()
    }

    /// Newest first, optionally filtered by state, at most `limit`.
    pub fn list(&self, state: Option<ApprovalState>, limit: usize) -> Vec<ApprovalRecord> {
        let g = self.inner.lock();
        g.1.iter()
            .rev()
            .filter_map(|id| g.0.get(id))
            .filter(|r| state.is_none_or(|s| r.state == s))
            .take(limit)
            .cloned()
            .collect()
    }

    /// Atomic claim at virtual time `now`.
    pub fn claim(&self, id: &str, operator: &str, now: Stamp) -> Claim {
        let now_ms = now.ms;
        let mut g = self.inner.lock();
        let Some(rec) = g.0.get_mut(id) else {
            return Claim::NotFound;
        };
        match rec.state {
            ApprovalState::Approved | ApprovalState::Denied | ApprovalState::Failed => {
                return Claim::Completed(Box::new(rec.clone()))
            }
            ApprovalState::Claimed
                if rec
                    .claimed
                    .as_ref()
                    .is_some_and(|c| now_ms - c.ms < CLAIM_TTL_SECS * 1000) =>
            {
                return Claim::AlreadyClaimed
            }
            _ => {}
        }
        if now_ms > rec.created.ms + 2 * APPROVAL_TTL_SECS * 1000 {
            return Claim::NotFound;
        }
        rec.state = ApprovalState::Claimed;
        rec.claimed_by = Some(operator.to_string());
        rec.claimed = Some(now);
        Claim::Claimed(Box::new(rec.clone()))
    }

    /// Records the outcome of a claimed approval.
    pub fn finish(&self, id: &str, state: ApprovalState, detail: &str, now: Stamp) {
        let mut g = self.inner.lock();
        if let Some(rec) = g.0.get_mut(id) {
            rec.state = state;
            rec.completed = Some(now);
            match state {
                ApprovalState::Approved => rec.receipt_id = Some(detail.to_string()),
                ApprovalState::Denied => rec.deny_reason = Some(detail.to_string()),
                ApprovalState::Failed => rec.error_code = Some(detail.to_string()),
                _ => {}
            }
        }
    }

    /// Number of records in `state`.
    pub fn count(&self, state: ApprovalState) -> usize {
        self.inner
            .lock()
            .0
            .values()
            .filter(|r| r.state == state)
            .count()
    }

    /// Number of records kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.inner.lock().1.len()
    }

    /// Forgets everything.
    pub fn clear(&self) {
        let mut g = self.inner.lock();
        g.0.clear();
        g.1.clear();
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, created_ms: i64) -> ApprovalRecord {
        ApprovalRecord {
            approval_id: id.into(),
            trace_id: format!("t-{id}"),
            action_id: "a".into(),
            action_version: "1".into(),
            risk_level: RiskLevel::High,
            caller: Caller {
                principal: "p".into(),
                session_id: "s".into(),
                lease_jti: "j".into(),
                owner: None,
            },
            request_hash: "h".into(),
            request_body: Value::Null,
            policy_version: None,
            created: stamp(created_ms),
            expires_at: String::new(),
            state: ApprovalState::Pending,
            claimed_by: None,
            claimed: None,
            completed: None,
            receipt_id: None,
            deny_reason: None,
            error_code: None,
            unresolved: Unresolved::default(),
            plan: Plan {
                approved_targets: Vec::new(),
                approved_egress: EgressProfile::None,
                verifier_kind: VerifierKind::None,
                provider_module_digest: "builtin:fs".into(),
                plan_hash: "x".into(),
                calls_remaining: 1,
                calls_after: 0,
                had_budgets: false,
            },
        }
    }

    fn stamp(ms: i64) -> Stamp {
        Stamp {
            ms,
            text: String::new(),
        }
    }

    #[test]
    fn full_store_forgets_a_resolved_approval_before_any_pending_one() {
        let s = ApprovalStore::new(2);
        s.insert(rec("pending-old", 0));
        s.insert(rec("denied", 1));
        s.finish("denied", ApprovalState::Denied, "no", stamp(2));
        s.insert(rec("new", 3));
        assert!(s.get("denied").is_none(), "resolved approval kept");
        assert!(
            s.get("pending-old").is_some(),
            "pending approval forgotten first"
        );
    }

    #[test]
    fn full_store_forgets_an_unclaimable_pending_approval_before_a_claimable_one() {
        let s = ApprovalStore::new(2);
        s.insert(rec("claimable", 500_000));
        s.insert(rec("stale", 0));
        s.insert(rec("new", 600_001));
        assert!(
            s.get("stale").is_none(),
            "approval past created + 600 s kept"
        );
        assert!(s.get("claimable").is_some());
    }

    #[test]
    fn full_store_of_pending_approvals_forgets_the_oldest() {
        let s = ApprovalStore::new(2);
        for (id, at) in [("a", 0), ("b", 1), ("c", 2)] {
            s.insert(rec(id, at));
        }
        assert!(s.get("a").is_none(), "oldest pending approval kept");
        assert_eq!(s.len(), 2);
    }
}
