//! One ledger record as the gate stores it: the flat field set of its `AuditEvent`
//! (sub-structs flattened; optional attribution fields omitted when unset).

use serde_json::{json, Map, Value};

use super::kinds::{Decision, EventType};
use crate::state::caller::Caller;

/// `runtime` member (present on executed calls only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeRecord {
    /// Provider module digest.
    pub module_digest: String,
    /// `none` or `proxy_allowlist`.
    pub egress_profile: String,
    /// Dispatch wall time.
    pub duration_ms: u64,
    /// Provider exit code.
    pub exit_code: i64,
    /// Fuel used (the mock runs no WASM).
    pub fuel_consumed: u64,
    /// Host I/O calls (the mock counts none).
    pub io_calls_made: u32,
}

/// Operator attribution on approval outcomes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    /// Operator id.
    pub approved_by: Option<String>,
    /// `operator_dpop`.
    pub operator_authn_method: Option<String>,
    /// Operator key thumbprint (unset when empty).
    pub operator_sender_binding: Option<String>,
    /// Operator proof `jti` (unset when empty).
    pub operator_proof_jti: Option<String>,
}

/// Every field of an event except `timestamp` and `prev_hash`, which the ledger stamps.
/// `Default` is the gate's builder default: empty strings, no options, decision `error`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditEvent {
    /// Trace id (unique in the ledger).
    pub trace_id: String,
    /// Kind.
    pub event_type: EventType,
    /// Who made the call, or took the lease on `lease_issued`. Admin events carry the operator id
    /// as both `principal` and `session_id` (no lease, no owner).
    pub caller: Caller,
    /// Identity method (lease events).
    pub identity_method: Option<String>,
    /// Action.
    pub action_id: String,
    /// Manifest version.
    pub action_version: Option<String>,
    /// Provider module digest.
    pub action_digest: String,
    /// `digest_ok`, `mismatch`, `not_registered`, `expired`, ...
    pub action_trust_verdict: String,
    /// Manifest risk level.
    pub risk_level: Option<String>,
    /// `sha256:` request hash.
    pub request_hash: String,
    /// `<action>:request` when the action has a request schema.
    pub request_schema_id: Option<String>,
    /// Policy version.
    pub policy_version: Option<String>,
    /// Decision.
    pub decision: Decision,
    /// Reason (sanitized by [`crate::state::audit::record`]).
    pub deny_reason: Option<String>,
    /// Effective egress domains of an executed call.
    pub allowed_sinks: Vec<String>,
    /// `{"calls_remaining":n}` before.
    pub budgets_before: Option<i64>,
    /// `{"calls_remaining":n}` after.
    pub budgets_after: Option<i64>,
    /// Runtime details.
    pub runtime: Option<RuntimeRecord>,
    /// `sha256:` of the provider output.
    pub response_hash: Option<String>,
    /// Canonical length of the provider output.
    pub response_bytes: Option<usize>,
    /// Grant id.
    pub grant_id: Option<String>,
    /// Receipt id.
    pub receipt_id: Option<String>,
    /// Verification tag.
    pub verification_outcome: Option<String>,
    /// Approval id.
    pub approval_id: Option<String>,
    /// Operator attribution.
    pub attribution: Attribution,
    /// The gate's dev mode (set on call outcomes only; admin and lease events carry false).
    pub dev_mode: bool,
}

fn budgets(calls: Option<i64>) -> Value {
    calls.map_or(Value::Null, |n| json!({ "calls_remaining": n }))
}

impl AuditEvent {
    /// The stored JSON with `timestamp` and `prev_hash`. Keys come out sorted, as the gate's
    /// `json!` answer (serde_json without `preserve_order`) emits them.
    pub fn to_value(&self, timestamp: &str, prev_hash: Option<&str>) -> Value {
        let mut m = Map::new();
        let s = |v: &str| Value::String(v.to_string());
        let opt = |v: &Option<String>| v.as_deref().map_or(Value::Null, s);
        m.insert("trace_id".into(), s(&self.trace_id));
        m.insert("timestamp".into(), s(timestamp));
        m.insert("event_type".into(), s(self.event_type.as_str()));
        m.insert("principal".into(), s(&self.caller.principal));
        m.insert("session_id".into(), s(&self.caller.session_id));
        m.insert("lease_jti".into(), s(&self.caller.lease_jti));
        m.insert("action_id".into(), s(&self.action_id));
        m.insert("action_version".into(), opt(&self.action_version));
        m.insert("action_digest".into(), s(&self.action_digest));
        m.insert("action_trust_verdict".into(), s(&self.action_trust_verdict));
        m.insert("request_hash".into(), s(&self.request_hash));
        m.insert("request_schema_id".into(), opt(&self.request_schema_id));
        m.insert("policy_version".into(), opt(&self.policy_version));
        m.insert("decision".into(), s(self.decision.as_str()));
        m.insert("deny_reason".into(), opt(&self.deny_reason));
        m.insert("allowed_sinks".into(), json!(self.allowed_sinks));
        m.insert("budgets_before".into(), budgets(self.budgets_before));
        m.insert("budgets_after".into(), budgets(self.budgets_after));
        m.insert(
            "runtime".into(),
            self.runtime.as_ref().map_or(Value::Null, runtime),
        );
        m.insert("response_hash".into(), opt(&self.response_hash));
        m.insert("response_bytes".into(), json!(self.response_bytes));
        m.insert("prev_hash".into(), prev_hash.map_or(Value::Null, s));
        m.insert("dev_mode".into(), Value::Bool(self.dev_mode));
        m.insert("sandbox_degraded".into(), Value::Bool(false));
        let a = &self.attribution;
        let omitted = [
            ("identity_method", &self.identity_method),
            ("owner", &self.caller.owner),
            ("risk_level", &self.risk_level),
            ("grant_id", &self.grant_id),
            ("receipt_id", &self.receipt_id),
            ("verification_outcome", &self.verification_outcome),
            ("approval_id", &self.approval_id),
            ("approved_by", &a.approved_by),
            ("operator_authn_method", &a.operator_authn_method),
            ("operator_sender_binding", &a.operator_sender_binding),
            ("operator_proof_jti", &a.operator_proof_jti),
        ];
        for (k, v) in omitted {
            if let Some(v) = v {
                m.insert(k.into(), s(v));
            }
        }
        Value::Object(m)
    }
}

fn runtime(r: &RuntimeRecord) -> Value {
    json!({
        "module_digest": r.module_digest,
        "egress_profile": r.egress_profile,
        "duration_ms": r.duration_ms,
        "exit_code": r.exit_code,
        "timeout_hit": false,
        "fuel_consumed": r.fuel_consumed,
        "io_calls_made": r.io_calls_made,
    })
}
