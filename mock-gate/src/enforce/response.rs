//! The 200 body of an executed call, fields in the gate's order (auto-allowed and approved
//! calls alike; the approve path adds its provenance and what it learned).

use serde::Serialize;
use serde_json::Value;

/// `verification` member.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationInfo {
    /// Outcome tag.
    pub outcome: String,
    /// Exit 0 and outcome verified/unverifiable_declared.
    pub is_fully_successful: bool,
}

/// `runtime` member.
#[derive(Debug, Clone, Serialize)]
pub struct RuntimeInfo {
    /// Wall time of the dispatch.
    pub duration_ms: u64,
    /// Provider exit code.
    pub exit_code: i64,
    /// Fuel (the mock runs no WASM: 0).
    pub fuel_consumed: u64,
}

/// `approval` member on the approve path.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalProvenance {
    /// Always `allow`.
    pub decision: String,
    /// Approval id.
    pub approval_id: String,
    /// Operator id.
    pub approved_by: String,
    /// Hash binding the approval to the plan.
    pub approval_hash: Option<String>,
    /// Always `operator_dpop`.
    pub operator_authn_method: String,
    /// Operator key thumbprint (omitted when empty).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub operator_sender_binding: String,
}

/// The 200 body, fields in the gate's order.
#[derive(Debug, Clone, Serialize)]
pub struct ExecutionResponse {
    /// Always `executed`.
    pub decision: &'static str,
    /// Trace id.
    pub trace_id: String,
    /// Action.
    pub action_id: String,
    /// Grant id.
    pub grant_id: String,
    /// Receipt id.
    pub receipt_id: String,
    /// Provider output.
    pub output: Value,
    /// Outcome tag.
    pub verification_outcome: String,
    /// Outcome details.
    pub verification: VerificationInfo,
    /// Runtime details.
    pub runtime: RuntimeInfo,
    /// Approve path only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalProvenance>,
    /// Approve path only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learned_domain: Option<String>,
    /// Approve path only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learned_path: Option<String>,
}
