use serde::{Deserialize, Serialize};

/// 200 answer of `POST /v1/actions/{id}/execute` and of an approve that ran the plan
/// (PROTOCOL §8.3). Members the contract makes optional (C-BODY-04) are `Option`s.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExecutionResponse {
    /// Always `"executed"`.
    pub decision: String,
    /// Trace id of the execution.
    pub trace_id: String,
    /// The executed action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// The grant the execution ran under.
    pub grant_id: String,
    /// The receipt of the execution.
    pub receipt_id: String,
    /// Provider output, any JSON (null when absent).
    #[serde(default)]
    pub output: serde_json::Value,
    /// Verification tag (`verified`, `verification_failed`, …); a string here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_outcome: Option<String>,
    /// The gate's verdict on the outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationInfo>,
    /// Runtime figures of the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<RuntimeInfo>,
    /// Present on approve only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalProvenance>,
    /// Domain learned by the approve, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learned_domain: Option<String>,
    /// Path glob learned by the approve, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learned_path: Option<String>,
}

/// `verification` of an execution body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationInfo {
    /// Same tag as `verification_outcome`.
    pub outcome: String,
    /// Exit code 0 and outcome `verified` or `unverifiable_declared` (the gate computes it).
    pub is_fully_successful: bool,
}

/// `runtime` of an execution body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeInfo {
    /// Wall time of the provider, milliseconds.
    pub duration_ms: u64,
    /// Provider exit code.
    pub exit_code: i64,
    /// WASM fuel used.
    pub fuel_consumed: u64,
}

/// `approval` provenance of an approved execution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalProvenance {
    /// `"allow"`.
    pub decision: String,
    /// The approval that was granted.
    pub approval_id: String,
    /// Operator id.
    pub approved_by: String,
    /// Hash binding the approval (null when absent).
    pub approval_hash: Option<String>,
    /// `"operator_dpop"`.
    pub operator_authn_method: String,
    /// Operator key thumbprint; omitted by the gate when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_sender_binding: Option<String>,
}

/// 202 answer of execute (PROTOCOL §8.4): exactly these four strings, in this order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalPending {
    /// `"pending_approval"`.
    pub decision: String,
    /// The approval to poll or decide.
    pub approval_id: String,
    /// `"sha256:"` + hex SHA-256 of the JCS form of the parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_hash: Option<String>,
    /// Trace id of the held request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}
