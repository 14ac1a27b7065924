//! The execution tail's audit context (auto-allowed and operator-approved calls alike):
//! budgets before/after, policy version, operator attribution, and the final record of an
//! executed call (sinks, runtime, response hash, grant, receipt, verification tag).

use super::call::counted;
use super::call::schema_id;
use super::CallAudit;
use crate::actions::manifest::{CompiledAction, EgressProfile};
use crate::enforce::authenticate::OperatorAuth;
use crate::enforce::error::PipelineError;
use crate::enforce::response::ExecutionResponse;
use crate::state::approvals::ApprovalRecord;
use crate::state::audit::{AuditEvent, Decision, RuntimeRecord};
use crate::state::GateState;

/// Context of one authorized execution (the gate's execution-tail `AuditCtx`).
#[derive(Debug, Clone)]
pub struct ExecAudit {
    base: AuditEvent,
    /// Context and policy version a failed budget debit is recorded with.
    pre: CallAudit,
    pre_policy_version: Option<String>,
    egress: &'static str,
    /// Effective sinks, recorded on the executed event only.
    sinks: Vec<String>,
}

/// Manifest egress domains plus learned ones (case-insensitively new), the gate's effective
/// sinks of a call.
pub fn effective_sinks(st: &GateState, action: &CompiledAction) -> Vec<String> {
    let Ok(EgressProfile::ProxyAllowlist { allowed_domains }) = action.spec.egress_profile() else {
        return Vec::new();
    };
    let mut sinks = allowed_domains;
    let known: Vec<String> = sinks.iter().map(|s| s.to_lowercase()).collect();
    for d in st.learned_domains_of(&action.spec.action_id) {
        if !known.contains(&d.to_lowercase()) {
            sinks.push(d);
        }
    }
    sinks
}

fn egress_name(action: &CompiledAction) -> &'static str {
    match action.spec.egress_profile() {
        Ok(EgressProfile::ProxyAllowlist { .. }) => "proxy_allowlist",
        _ => "none",
    }
}

impl ExecAudit {
    /// An auto-allowed call, from the pipeline's context.
    pub fn auto(
        st: &GateState,
        call: &CallAudit,
        action: &CompiledAction,
        policy_version: Option<&str>,
    ) -> Self {
        let before = call.budgets_before().unwrap_or(i64::MAX);
        let base = AuditEvent {
            policy_version: policy_version.map(str::to_string),
            budgets_before: Some(before),
            budgets_after: Some(before),
            ..call.event(Decision::Error, None, None)
        };
        Self {
            base,
            pre: call.clone(),
            pre_policy_version: None,
            egress: egress_name(action),
            sinks: effective_sinks(st, action),
        }
    }

    /// An operator-approved call, rebuilt from the pending approval.
    pub fn approved(
        st: &GateState,
        trace_id: &str,
        rec: &ApprovalRecord,
        op: &OperatorAuth,
        action: &CompiledAction,
    ) -> Self {
        let pre = CallAudit::from_pending(trace_id, rec, "digest_ok", st.settings.dev_mode);
        let base = AuditEvent {
            request_schema_id: schema_id(action),
            risk_level: Some(action.spec.risk_level.as_str().to_string()),
            policy_version: rec.policy_version.clone(),
            budgets_before: Some(rec.plan.calls_remaining),
            budgets_after: Some(rec.plan.calls_remaining),
            attribution: super::attribution_of(op),
            ..pre.event(Decision::Error, None, None)
        };
        Self {
            base,
            pre,
            pre_policy_version: rec.policy_version.clone(),
            egress: egress_name(action),
            sinks: effective_sinks(st, action),
        }
    }

    /// The remaining calls after a successful debit.
    pub fn set_budgets_after(&mut self, calls_remaining: i64) {
        self.base.budgets_after = Some(calls_remaining);
    }

    fn event(&self, decision: Decision, reason: Option<String>) -> AuditEvent {
        AuditEvent {
            decision,
            deny_reason: reason,
            ..self.base.clone()
        }
    }

    /// The debit was refused (`deny`, with the pre-execution context).
    pub fn debit_failed(&self, st: &GateState, err: &PipelineError, session_id: &str) {
        let reason = match err {
            PipelineError::BudgetExhausted => "budget: budget exhausted: calls_exhausted".into(),
            _ => format!("budget: session budget not initialised: {session_id}"),
        };
        self.pre.write(
            st,
            Decision::Deny,
            self.pre_policy_version.as_deref(),
            Some(reason),
        );
    }

    /// The provider failed (`error`).
    pub fn provider_failed(&self, st: &GateState, message: &str) {
        counted(
            st,
            self.event(Decision::Error, Some(format!("provider: {message}"))),
        );
    }

    /// The provider output failed the response checks (`deny`).
    pub fn response_invalid(&self, st: &GateState, text: &str) {
        let schema_err = if text.starts_with("request exceeds ") {
            text.to_string()
        } else {
            let inner = text
                .strip_prefix("response schema violation: ")
                .unwrap_or(text);
            format!("schema validation failed: {inner}")
        };
        let reason = format!("response schema violation: {schema_err}");
        counted(st, self.event(Decision::Deny, Some(reason)));
    }

    /// Verification failed on a high-risk action (`deny`, with the stored receipt).
    pub fn high_risk_failed(&self, st: &GateState, receipt_id: &str) {
        let tag = "verification_failed";
        let mut ev = self.event(
            Decision::Deny,
            Some(format!("verifier failed for high-risk action: {tag}")),
        );
        ev.receipt_id = Some(receipt_id.to_string());
        ev.verification_outcome = Some(tag.into());
        counted(st, ev);
    }

    /// The call executed: `allow` when verified, else `allow_unverified` (returned).
    pub fn executed(
        &self,
        st: &GateState,
        resp: &ExecutionResponse,
        module_digest: &str,
    ) -> &'static str {
        let verified = matches!(
            resp.verification_outcome.as_str(),
            "verified" | "not_applicable"
        );
        let decision = if verified {
            Decision::Allow
        } else {
            Decision::AllowUnverified
        };
        let reason = self
            .base
            .attribution
            .approved_by
            .as_ref()
            .and(self.base.approval_id.as_ref())
            .map(|id| format!("approved via {id}"));
        let mut ev = self.event(decision, reason);
        ev.allowed_sinks = self.sinks.clone();
        ev.runtime = Some(RuntimeRecord {
            module_digest: module_digest.to_string(),
            egress_profile: self.egress.to_string(),
            duration_ms: resp.runtime.duration_ms,
            exit_code: resp.runtime.exit_code,
            fuel_consumed: resp.runtime.fuel_consumed,
            io_calls_made: 0,
        });
        if let Some((hash, len)) = crate::crypto::canonical_digest(&resp.output) {
            ev.response_hash = Some(hash);
            ev.response_bytes = Some(len);
        }
        ev.grant_id = Some(resp.grant_id.clone());
        ev.receipt_id = Some(resp.receipt_id.clone());
        ev.verification_outcome = Some(resp.verification_outcome.clone());
        counted(st, ev);
        decision.as_str()
    }
}
