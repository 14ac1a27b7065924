//! The audit ledger: hash-chained events of every call outcome, lease issuance and operator
//! action, queried and verified on the admin listener (`routes::audit`).
//!
//! Writers use [`record`] (a built [`AuditEvent`]), [`record_admin`] (operator actions) or the
//! pipeline contexts [`CallAudit`] / [`ExecAudit`].

mod approval;
mod call;
mod chain;
mod event;
mod exec;
mod filter;
mod kinds;
mod record;

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use serde_json::Value;

pub use approval::{approval_denied, plan_expired};
pub use call::CallAudit;
pub use chain::{event_hash, ChainReport};
pub use event::{Attribution, AuditEvent, RuntimeRecord};
pub use exec::ExecAudit;
pub use filter::{EventFilter, DEFAULT_LIMIT, MAX_LIMIT};
pub use kinds::{Decision, EventType};
pub use record::{record, record_admin, record_lease};

/// Events kept in memory; the oldest is dropped beyond this (the gate keeps all in SQLite).
pub const MAX_EVENTS: usize = 10_000;

#[derive(Debug, Default)]
struct Inner {
    /// Oldest first.
    events: VecDeque<Value>,
    trace_ids: HashSet<String>,
    /// Hash of the newest event.
    head: Option<String>,
    /// Hash of the newest dropped event: the `prev_hash` the oldest kept event carries.
    anchor: Option<String>,
}

/// In-memory, bounded, hash-chained ledger.
#[derive(Debug, Default)]
pub struct AuditLedger {
    inner: Mutex<Inner>,
}

/// `%Y-%m-%dT%H:%M:%S%.3fZ` of a Unix-ms instant.
pub fn timestamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn timestamp_of(e: &Value) -> &str {
    e.get("timestamp").and_then(Value::as_str).unwrap_or("")
}

impl AuditLedger {
    /// Chains and stores an event stamped at `now_ms`. A trace id already in the ledger is
    /// refused (the gate's unique column) and leaves the chain untouched.
    pub fn append(&self, ev: &AuditEvent, now_ms: i64) -> bool {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if g.trace_ids.contains(&ev.trace_id) {
            return false;
        }
        let value = ev.to_value(&timestamp(now_ms), g.head.as_deref());
        let Some(hash) = event_hash(&value) else {
            return false;
        };
        if g.events.len() >= MAX_EVENTS {
            if let Some(old) = g.events.pop_front() {
                let id = old.get("trace_id").and_then(Value::as_str).unwrap_or("");
                g.trace_ids.remove(id);
                g.anchor = event_hash(&old);
            }
        }
        g.trace_ids.insert(ev.trace_id.clone());
        g.events.push_back(value);
        g.head = Some(hash);
        true
    }

    /// Matching events, newest timestamp first (same timestamp: newest written first).
    pub fn query(&self, f: &EventFilter) -> Vec<Value> {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut hits: Vec<&Value> = g.events.iter().filter(|e| f.matches(e)).collect();
        // Stable ascending sort keeps write order among equal timestamps; reversed, newest first.
        hits.sort_by_key(|e| timestamp_of(e));
        hits.into_iter().rev().take(f.limit()).cloned().collect()
    }

    /// Walks the chain oldest first.
    pub fn verify(&self) -> ChainReport {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        chain::verify(g.anchor.as_deref(), g.events.iter())
    }

    /// Number of events held.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .events
            .len()
    }

    /// Whether no event is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets everything (control API reset).
    pub fn clear(&self) {
        *self.inner.lock().unwrap_or_else(|e| e.into_inner()) = Inner::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(trace: &str) -> AuditEvent {
        AuditEvent {
            trace_id: trace.into(),
            ..Default::default()
        }
    }

    #[test]
    fn duplicate_trace_id_is_refused_and_chain_stays_intact() {
        let l = AuditLedger::default();
        assert!(l.append(&ev("a"), 0));
        assert!(!l.append(&ev("a"), 1), "second write of trace a accepted");
        assert!(l.append(&ev("b"), 2));
        let r = l.verify();
        assert_eq!(
            (r.total_events, r.verified_links, r.broken_at),
            (2, 2, None)
        );
    }

    #[test]
    fn ledger_drops_oldest_beyond_the_bound_and_still_verifies() {
        let l = AuditLedger::default();
        for i in 0..MAX_EVENTS + 3 {
            l.append(&ev(&format!("t{i}")), i as i64);
        }
        assert_eq!(l.len(), MAX_EVENTS);
        let r = l.verify();
        assert_eq!(r.broken_at, None, "chain broken after eviction: {r:?}");
        assert_eq!(r.verified_links, MAX_EVENTS);
    }

    #[test]
    fn query_orders_newest_timestamp_first_then_newest_written() {
        let l = AuditLedger::default();
        l.append(&ev("late"), 2_000);
        l.append(&ev("early"), 1_000);
        l.append(&ev("late2"), 2_000);
        let ids: Vec<String> = l
            .query(&EventFilter::default())
            .iter()
            .map(|e| e["trace_id"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(ids, ["late2", "late", "early"]);
    }

    #[test]
    fn timestamp_has_millisecond_precision_and_z() {
        assert_eq!(timestamp(1_767_225_600_007), "2026-01-01T00:00:00.007Z");
    }
}
