//! Events of the operator approval routes that do not execute: a denial, and an approval whose
//! plan expired (written under the pending call's trace id, which the ledger already holds).

use super::CallAudit;
use crate::enforce::authenticate::OperatorAuth;
use crate::state::approvals::ApprovalRecord;
use crate::state::audit::fresh_trace_id;
use crate::state::audit::{record, AuditEvent, Decision};
use crate::state::caller::Caller;
use crate::state::GateState;

/// `POST /v1/approvals/{id}/deny` succeeded: a `deny` under a fresh trace id with the
/// operator's attribution and `denied via <approval>: <reason>` (the gate leaves out the owner).
pub fn approval_denied(st: &GateState, rec: &ApprovalRecord, op: &OperatorAuth, reason: &str) {
    record(
        st,
        AuditEvent {
            trace_id: fresh_trace_id(),
            caller: Caller {
                owner: None,
                ..rec.caller.clone()
            },
            action_id: rec.action_id.clone(),
            risk_level: Some(rec.risk_level.as_str().to_string()),
            request_hash: rec.request_hash.clone(),
            policy_version: rec.policy_version.clone(),
            decision: Decision::Deny,
            deny_reason: Some(format!("denied via {}: {reason}", rec.approval_id)),
            approval_id: Some(rec.approval_id.clone()),
            attribution: super::attribution_of(op),
            dev_mode: st.settings.dev_mode,
            ..Default::default()
        },
    );
}

/// Approve found the plan expired: a `deny` with trust verdict `expired` under the pending
/// call's trace id, without owner and request hash — refused by the ledger, as the gate's
/// unique trace id refuses it.
pub fn plan_expired(st: &GateState, rec: &ApprovalRecord) {
    let dev_mode = st.settings.dev_mode;
    let from = CallAudit::from_pending(&rec.trace_id, rec, "expired", dev_mode).event(
        Decision::Deny,
        rec.policy_version.as_deref(),
        Some("execution plan expired".into()),
    );
    record(
        st,
        AuditEvent {
            caller: Caller {
                owner: None,
                ..from.caller
            },
            request_hash: String::new(),
            ..from
        },
    );
}
