//! Holding a call for an operator: the pending approval record of a call the policy sent to
//! review, and the plan hash that binds the approval to what will run.

use serde_json::{json, Value};

use crate::actions::manifest::{CompiledAction, EgressProfile};
use crate::enforce::authenticate::AgentAuth;
use crate::policy::Granted;
use crate::state::approvals::{ApprovalRecord, ApprovalState, Plan, Stamp, Unresolved};
use crate::state::GateState;

/// What a held call is made of.
pub struct ApprovalParts {
    pub approval_id: String,
    pub trace_id: String,
    pub request_hash: String,
    pub params: Value,
    pub granted: Granted,
    pub calls_remaining: i64,
    pub had_budgets: bool,
    pub unresolved: Unresolved,
}

/// The pending approval record of a call the policy sent to review, with its plan hash.
pub fn approval_record(
    state: &GateState,
    auth: &AgentAuth,
    action: &CompiledAction,
    p: ApprovalParts,
) -> ApprovalRecord {
    let g = p.granted;
    let egress = g.approved_egress.unwrap_or(EgressProfile::None);
    let created = state.clock.now_precise();
    let expires_at = crate::control::clock::rfc3339_nanos(
        created + chrono::Duration::seconds(crate::state::approvals::APPROVAL_TTL_SECS),
    );
    let plan_input = json!({
        "action_id": action.spec.action_id,
        "provider_module_digest": action.spec.provider_module_digest,
        "request_hash": p.request_hash,
        "approved_targets": g.allowed_sinks,
        "policy_version": g.policy_version,
        "expires_at": expires_at,
    });
    let plan_hash =
        crate::crypto::sha256_hex(&crate::crypto::jcs::to_vec(&plan_input).unwrap_or_default());
    ApprovalRecord {
        approval_id: p.approval_id,
        trace_id: p.trace_id,
        action_id: action.spec.action_id.clone(),
        action_version: action.spec.version.clone(),
        risk_level: action.spec.risk_level,
        caller: auth.caller(),
        request_hash: p.request_hash,
        request_body: p.params,
        policy_version: g.policy_version,
        created: Stamp::at(created),
        expires_at,
        state: ApprovalState::Pending,
        claimed_by: None,
        claimed: None,
        completed: None,
        receipt_id: None,
        deny_reason: None,
        error_code: None,
        unresolved: p.unresolved,
        plan: Plan {
            approved_targets: g.allowed_sinks,
            approved_egress: egress,
            verifier_kind: action.spec.verifier_kind,
            provider_module_digest: action.spec.provider_module_digest.clone(),
            plan_hash,
            calls_remaining: p.calls_remaining,
            calls_after: g.calls_after,
            had_budgets: p.had_budgets,
        },
    }
}
