use serde::{Deserialize, Serialize};

/// 200 answer of `GET /v1/approvals/{id}/poll` (PROTOCOL §9.4); absent members are omitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollResponse {
    /// `pending`, `approved`, `denied`, `failed` (unknown values kept verbatim).
    pub status: String,
    /// Receipt of the operator-triggered execution (`approved`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    /// Deny reason or failure text (`denied`, `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Suggested poll delay (`pending`: 2, or 1 while claimed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

/// One entry of `GET /v1/approvals` (PROTOCOL §9.5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalSummary {
    /// Approval id.
    pub approval_id: String,
    /// `pending`, `claimed`, `approved`, `denied`, `failed`.
    pub status: String,
    /// Held action.
    pub action_id: String,
    /// Its manifest version.
    pub action_version: String,
    /// Principal of the agent.
    pub principal: String,
    /// Session that created the approval (the only one that may poll it).
    pub session_id: String,
    /// Owner of the agent identity, if mapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// `low`, `medium`, `high`, `critical`.
    pub risk_level: String,
    /// `"sha256:"` request hash.
    pub request_hash: String,
    /// RFC 3339 (`+00:00` form).
    pub created_at: String,
    /// RFC 3339 (`+00:00` form).
    pub expires_at: String,
    /// Operator holding the claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_by: Option<String>,
}

/// 200 answer of `GET /v1/approvals`: newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalList {
    /// The summaries.
    pub approvals: Vec<ApprovalSummary>,
    /// Their number.
    pub count: u64,
}

/// 200 answer of `GET /v1/approvals/{id}` (PROTOCOL §9.5). Only `approval_id` and `status`
/// are always present (the durable-outcome variant has few members); the rest of the
/// plan review is kept in `extra`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApprovalDetail {
    /// Approval id.
    pub approval_id: String,
    /// Lifecycle state.
    pub status: String,
    /// Held action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// Principal of the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// Creating session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// `"sha256:"` request hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_hash: Option<String>,
    /// Receipt of the execution, once approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    /// Reason, once denied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny_reason: Option<String>,
    /// Every other member, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Body of `POST /v1/approvals/{id}/deny` when a reason is given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenyRequest {
    /// Reason recorded for the agent (the gate's default is `operator_denied`).
    pub reason: String,
}

/// 200 answer of a deny that took effect (PROTOCOL §9.7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenyResponse {
    /// `"deny"`.
    pub decision: String,
    /// Trace id of the original request.
    pub trace_id: String,
    /// Held action.
    pub action_id: String,
    /// Approval id.
    pub approval_id: String,
    /// Operator id.
    pub denied_by: String,
    /// Reason (default `operator_denied`).
    pub deny_reason: String,
}

/// 200 answer of approve or deny on an approval that already completed
/// (`decision` `already_approved|already_denied|already_failed`). The gate names the state
/// `status`, or `state` in its durable-outcome variant; both are accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalDecision {
    /// `already_approved`, `already_denied` or `already_failed`.
    pub decision: String,
    /// Approval id.
    pub approval_id: String,
    /// Final state.
    #[serde(alias = "state")]
    pub status: String,
    /// Completion time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    /// Receipt of the execution, when approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    /// Reason, when denied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny_reason: Option<String>,
    /// Stored error code, when failed (durable-outcome variant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// `"durable_outcome"` in the durable-outcome variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}
