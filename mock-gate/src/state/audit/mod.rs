//! The audit ledger: hash-chained events of every call outcome, lease issuance and operator
//! action, queried and verified on the admin listener (`wire::routes::audit`).
//!
//! Writers use [`record`] (a built [`AuditEvent`]), [`record_admin`] (operator actions) or the
//! pipeline contexts `CallAudit` / `ExecAudit` of `enforce::audit`.

mod chain;
mod event;
mod filter;
mod kinds;
mod record;

use std::collections::{HashSet, VecDeque};

use serde_json::Value;

use crate::caps::Bounded;

pub use chain::{event_hash, ChainReport};
pub use event::{Attribution, AuditEvent, RuntimeRecord};
pub use filter::EventFilter;
pub use kinds::{Decision, EventType};
pub use record::{fresh_trace_id, record, record_admin, record_lease};

/// Default number of events kept in memory; the oldest is dropped beyond the capacity (the gate
/// keeps all in SQLite).
pub const MAX_EVENTS: usize = 10_000;

/// One kept event: its compact JSON text (a fifth of the memory of a `Value` tree), its own
/// hash, and the columns queries filter on.
#[derive(Debug)]
struct Stored {
    text: Box<str>,
    hash: Box<str>,
    trace_id: Box<str>,
    timestamp: Box<str>,
    event_type: Box<str>,
    action_id: Box<str>,
    principal: Box<str>,
    session_id: Box<str>,
    decision: Box<str>,
}

impl Stored {
    fn new(value: &Value, hash: String) -> Self {
        let col =
            |k: &str| -> Box<str> { value.get(k).and_then(Value::as_str).unwrap_or("").into() };
        Self {
            text: value.to_string().into(),
            hash: hash.into(),
            trace_id: col("trace_id"),
            timestamp: col("timestamp"),
            event_type: col("event_type"),
            action_id: col("action_id"),
            principal: col("principal"),
            session_id: col("session_id"),
            decision: col("decision"),
        }
    }

    fn value(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    fn column(&self, k: &str) -> &str {
        match k {
            "trace_id" => &self.trace_id,
            "timestamp" => &self.timestamp,
            "event_type" => &self.event_type,
            "action_id" => &self.action_id,
            "principal" => &self.principal,
            "session_id" => &self.session_id,
            "decision" => &self.decision,
            _ => "",
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// Oldest first.
    events: VecDeque<Stored>,
    trace_ids: HashSet<String>,
    /// Hash of the newest event.
    head: Option<String>,
    /// Hash of the newest dropped event: the `prev_hash` the oldest kept event carries.
    anchor: Option<String>,
}

/// In-memory, bounded, hash-chained ledger.
#[derive(Debug)]
pub struct AuditLedger {
    inner: Bounded<Inner>,
}

impl Default for AuditLedger {
    fn default() -> Self {
        Self::new(MAX_EVENTS)
    }
}

/// `%Y-%m-%dT%H:%M:%S%.3fZ` of a Unix-ms instant.
pub fn timestamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

impl AuditLedger {
    /// A ledger keeping the newest `capacity` events (at least one: the chain head).
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Bounded::new(capacity.max(1)),
        }
    }

    /// Chains and stores an event stamped at `now_ms`. A trace id already in the ledger is
    /// refused (the gate's unique column) and leaves the chain untouched.
    pub fn append(&self, ev: &AuditEvent, now_ms: i64) -> bool {
        let mut g = self.inner.lock();
        if g.trace_ids.contains(&ev.trace_id) {
            return false;
        }
        let value = ev.to_value(&timestamp(now_ms), g.head.as_deref());
        let Some(hash) = event_hash(&value) else {
            return false;
        };
        while g.events.len() >= self.inner.capacity() {
            if let Some(old) = g.events.pop_front() {
                g.trace_ids.remove(&*old.trace_id);
                g.anchor = Some(old.hash.into());
            }
        }
        g.trace_ids.insert(ev.trace_id.clone());
        g.events.push_back(Stored::new(&value, hash.clone()));
        g.head = Some(hash);
        true
    }

    /// Matching events, newest timestamp first (same timestamp: newest written first).
    pub fn query(&self, f: &EventFilter) -> Vec<Value> {
        let g = self.inner.lock();
        let mut hits: Vec<&Stored> = g
            .events
            .iter()
            .filter(|e| f.matches_with(|k| e.column(k)))
            .collect();
        // Stable ascending sort keeps write order among equal timestamps; reversed, newest first.
        hits.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
        hits.into_iter()
            .rev()
            .take(f.limit())
            .map(Stored::value)
            .collect()
    }

    /// Walks the chain oldest first (each event re-hashed from its stored text).
    pub fn verify_chain(&self) -> ChainReport {
        let g = self.inner.lock();
        chain::walk(g.anchor.as_deref(), g.events.iter().map(Stored::value))
    }

    /// Number of events held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.inner.lock().events.len()
    }

    /// Forgets everything (control API reset).
    pub fn clear(&self) {
        *self.inner.lock() = Inner::default();
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
        let r = l.verify_chain();
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
        let r = l.verify_chain();
        assert_eq!(r.broken_at, None, "chain broken after eviction: {r:?}");
        assert_eq!(r.verified_links, MAX_EVENTS);
    }

    #[test]
    fn ledger_of_capacity_two_keeps_the_newest_two() {
        let l = AuditLedger::new(2);
        for t in ["a", "b", "c"] {
            l.append(&ev(t), 0);
        }
        let ids: Vec<String> = l
            .query(&EventFilter::default())
            .iter()
            .map(|e| e["trace_id"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(ids, ["c", "b"]);
        assert_eq!(
            l.verify_chain().broken_at,
            None,
            "chain broken after eviction"
        );
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
