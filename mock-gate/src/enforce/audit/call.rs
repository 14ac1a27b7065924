//! The execute pipeline's audit context: filled stage by stage (identity, action, request,
//! budget snapshot, approval id); every terminal outcome writes one `action_call` event with
//! what is known so far (an auth failure has no principal, an unknown action no action id).

use axum::http::HeaderMap;

use crate::actions::manifest::CompiledAction;
use crate::enforce::authenticate::{header_str, AgentAuth, AuthFailure};
use crate::enforce::error::PipelineError;
use crate::state::approvals::ApprovalRecord;
use crate::state::audit::{record, AuditEvent, Decision};
use crate::state::GateState;

/// Accumulated context of one call (the gate's `PipelineAudit`).
#[derive(Debug, Clone, Default)]
pub struct CallAudit {
    ev: AuditEvent,
    /// The action of the route (the call metric's label, known before the lookup).
    route_action: String,
}

/// `<action>:request` when the action has a request schema.
pub fn schema_id(action: &CompiledAction) -> Option<String> {
    action
        .request_validator
        .as_ref()
        .map(|_| format!("{}:request", action.spec.action_id))
}

/// The gate's `AuthError` text for an agent authentication failure.
fn auth_reason(headers: &HeaderMap, a: &AuthFailure) -> String {
    match a {
        AuthFailure::MissingHeader if header_str(headers, "authorization").is_none() => {
            "missing header: Authorization".into()
        }
        AuthFailure::MissingHeader => "missing header: DPoP".into(),
        AuthFailure::InvalidLease(r) => format!("invalid lease: {r}"),
        AuthFailure::LeaseExpired => "lease expired".into(),
        AuthFailure::InvalidDpop(r) => format!("invalid DPoP proof: {}", r.reason),
        AuthFailure::Replay => {
            let jti = header_str(headers, "dpop")
                .and_then(crate::control::journal::decode_proof)
                .and_then(|p| {
                    p.claims
                        .get("jti")
                        .and_then(|j| j.as_str().map(str::to_string))
                })
                .unwrap_or_default();
            format!("replay detected: jti {jti} already seen")
        }
        AuthFailure::ReplayUnavailable => "replay cache unavailable".into(),
        AuthFailure::InvalidAuthScheme => "invalid auth scheme: expected 'DPoP <token>'".into(),
        AuthFailure::InvalidOperatorToken => "invalid operator token".into(),
        AuthFailure::MissingDpopHeader => "missing DPoP header".into(),
        AuthFailure::KeyBindingFailed => {
            "key binding failed: DPoP proof thumbprint does not match configured dpop_jkt".into()
        }
    }
}

impl CallAudit {
    /// A context for `trace_id` on a gate in `dev_mode`; nothing else known yet.
    pub fn new(trace_id: &str, route_action: &str, dev_mode: bool) -> Self {
        Self {
            ev: AuditEvent {
                trace_id: trace_id.to_string(),
                dev_mode,
                ..Default::default()
            },
            route_action: route_action.to_string(),
        }
    }

    /// The context the approve path rebuilds from a pending approval.
    pub fn from_pending(trace_id: &str, rec: &ApprovalRecord, trust: &str, dev_mode: bool) -> Self {
        let mut c = Self::new(trace_id, &rec.action_id, dev_mode);
        let e = &mut c.ev;
        e.caller = rec.caller.clone();
        e.action_id = rec.action_id.clone();
        e.action_version = Some(rec.action_version.clone());
        e.action_digest = rec.plan.provider_module_digest.clone();
        e.action_trust_verdict = trust.to_string();
        e.risk_level = Some(rec.risk_level.as_str().to_string());
        e.request_hash = rec.request_hash.clone();
        e.approval_id = Some(rec.approval_id.clone());
        c
    }

    /// After authentication.
    pub fn set_principal(&mut self, auth: &AgentAuth) {
        self.ev.caller = auth.caller();
    }

    /// After the registry lookup (the mock's registry always verifies the digest).
    pub fn set_action(&mut self, action: &CompiledAction) {
        self.ev.action_id = action.spec.action_id.clone();
        self.ev.action_version = Some(action.spec.version.clone());
        self.ev.action_digest = action.spec.provider_module_digest.clone();
        self.ev.action_trust_verdict = "digest_ok".into();
        self.ev.risk_level = Some(action.spec.risk_level.as_str().to_string());
    }

    /// After parsing, validation and hashing.
    pub fn set_request(&mut self, request_hash: &str, action: &CompiledAction) {
        self.ev.request_hash = request_hash.to_string();
        self.ev.request_schema_id = schema_id(action);
    }

    /// After the budget snapshot (`i64::MAX` without budgets).
    pub fn set_budgets_before(&mut self, calls_remaining: i64) {
        self.ev.budgets_before = Some(calls_remaining);
    }

    /// After the pending approval was stored.
    pub fn set_approval_id(&mut self, approval_id: &str) {
        self.ev.approval_id = Some(approval_id.to_string());
    }

    /// The event with everything known so far.
    pub fn event(
        &self,
        decision: Decision,
        policy_version: Option<&str>,
        reason: Option<String>,
    ) -> AuditEvent {
        AuditEvent {
            decision,
            policy_version: policy_version.map(str::to_string),
            deny_reason: reason,
            ..self.ev.clone()
        }
    }

    /// Writes the event.
    pub fn write(
        &self,
        st: &GateState,
        decision: Decision,
        policy_version: Option<&str>,
        reason: Option<String>,
    ) {
        st.metrics.call(&self.route_action, decision.as_str());
        record(st, self.event(decision, policy_version, reason));
    }

    /// Writes a `deny` with `reason` and hands back `err` (for `map_err`).
    pub fn deny(&self, st: &GateState, reason: String, err: PipelineError) -> PipelineError {
        self.write(st, Decision::Deny, None, Some(reason));
        err
    }

    /// Writes the `auth: ...` deny of a failed agent authentication.
    pub fn auth_failed(
        &self,
        st: &GateState,
        headers: &HeaderMap,
        a: AuthFailure,
    ) -> PipelineError {
        let reason = format!("auth: {}", auth_reason(headers, &a));
        self.deny(st, reason, PipelineError::Auth(a))
    }

    /// Writes the deny of a body that failed parsing, limits or the request schema.
    pub fn schema_failed(&self, st: &GateState, err: PipelineError) -> PipelineError {
        let PipelineError::Schema(text) = &err else {
            return err;
        };
        let reason = match text.strip_prefix("request body is not valid JSON: ") {
            Some(e) => format!("invalid JSON body: {e}"),
            None if text.starts_with("request exceeds ") => format!("request schema: {text}"),
            None => format!("request schema: schema validation failed: {text}"),
        };
        self.deny(st, reason, err)
    }

    /// The snapshot taken before policy.
    pub fn budgets_before(&self) -> Option<i64> {
        self.ev.budgets_before
    }
}

/// Records an execution-stage event and counts it in the call metric by its decision, as the
/// gate counts every terminal outcome of a call.
pub fn counted(st: &GateState, ev: AuditEvent) {
    st.metrics.call(&ev.action_id, ev.decision.as_str());
    record(st, ev);
}
