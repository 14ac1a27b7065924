//! Writing events: the one entry point every writer goes through, and the operator and
//! lease helpers (fresh trace id each, as the gate's `write_admin_event` / `write_lease_audit`).

use super::{AuditEvent, Decision, EventType};
use crate::state::caller::Caller;
use crate::state::GateState;

/// Longest stored `deny_reason` (the gate's builder cut).
const REASON_MAX_BYTES: usize = 500;

/// A fresh time-ordered id (UUIDv7), the gate's `TraceId::new`.
pub fn fresh_trace_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Stores `ev` at the gate's virtual time, sanitizing the reason as the gate's builder does.
/// Returns false when the ledger refused it (duplicate trace id).
pub fn record(st: &GateState, mut ev: AuditEvent) -> bool {
    ev.deny_reason = ev
        .deny_reason
        .map(|r| crate::body::sanitize(&r, REASON_MAX_BYTES));
    st.audit.append(&ev, st.now_ms())
}

/// An operator action: principal and session are the operator id, decision `allow`, the
/// detail text in `deny_reason` (e.g. `epoch 0 => 1` for revoke-all).
pub fn record_admin(st: &GateState, kind: EventType, operator_id: &str, detail: Option<String>) {
    record(
        st,
        AuditEvent {
            trace_id: fresh_trace_id(),
            event_type: kind,
            caller: Caller {
                principal: operator_id.to_string(),
                session_id: operator_id.to_string(),
                ..Default::default()
            },
            decision: Decision::Allow,
            deny_reason: detail,
            ..Default::default()
        },
    );
}

/// A lease issued to `holder`, with how its principal was identified (`none`, `peercred`, ...).
pub fn record_lease(st: &GateState, holder: Caller, identity_method: &str) {
    record(
        st,
        AuditEvent {
            trace_id: fresh_trace_id(),
            event_type: EventType::LeaseIssued,
            caller: holder,
            identity_method: (!identity_method.is_empty()).then(|| identity_method.to_string()),
            decision: Decision::Allow,
            ..Default::default()
        },
    );
}
