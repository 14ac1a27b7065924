//! Events of the operator approval routes that do not execute: a denial, and an approval whose
//! plan expired (written under the pending call's trace id, which the ledger already holds).

use super::record::fresh_trace_id;
use super::{record, Attribution, AuditEvent, CallAudit, Decision};
use crate::approvals::ApprovalRecord;
use crate::auth::OperatorAuth;
use crate::state::GateState;

fn nonempty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// `POST /v1/approvals/{id}/deny` succeeded: a `deny` under a fresh trace id with the
/// operator's attribution and `denied via <approval>: <reason>`.
pub fn approval_denied(st: &GateState, rec: &ApprovalRecord, op: &OperatorAuth, reason: &str) {
    let from = CallAudit::from_pending("", rec, "", st.settings.dev_mode).event(
        Decision::Deny,
        None,
        None,
    );
    record(
        st,
        AuditEvent {
            trace_id: fresh_trace_id(),
            principal: from.principal,
            session_id: from.session_id,
            lease_jti: from.lease_jti,
            action_id: rec.action_id.clone(),
            risk_level: from.risk_level,
            request_hash: rec.request_hash.clone(),
            policy_version: rec.policy_version.clone(),
            decision: Decision::Deny,
            deny_reason: Some(format!("denied via {}: {reason}", rec.approval_id)),
            approval_id: Some(rec.approval_id.clone()),
            attribution: Attribution {
                approved_by: Some(op.operator_id.clone()),
                operator_authn_method: Some("operator_dpop".into()),
                operator_sender_binding: nonempty(&op.sender_binding),
                operator_proof_jti: nonempty(&op.proof_jti),
            },
            dev_mode: from.dev_mode,
            ..Default::default()
        },
    );
}

/// Approve found the plan expired: a `deny` with trust verdict `expired` under the pending
/// call's trace id — refused by the ledger, as the gate's unique trace id refuses it.
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
            owner: None,
            request_hash: String::new(),
            ..from
        },
    );
}
