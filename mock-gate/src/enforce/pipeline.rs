//! `POST /v1/actions/{id}/execute` in the gate's order: rate limit, drain, auth, lookup,
//! body/schema/hash, prechecks, budget snapshot, policy, approval branch, dispatch.

use std::sync::Arc;

use axum::http::HeaderMap;
use serde_json::{json, Value};

use crate::actions::manifest::CompiledAction;
use crate::actions::ActionEntry;
use crate::auth::peer::Peer;
use crate::control::mutants::Mutant;
use crate::enforce::audit::{CallAudit, ExecAudit};
use crate::enforce::authenticate::{authenticate_agent, header_str, AgentAuth};
use crate::enforce::decide::CallFacts;
use crate::enforce::error::PipelineError;
use crate::enforce::execution::{self, Dispatch, ExecutionResponse};
use crate::enforce::hold::{approval_record, ApprovalParts};
use crate::enforce::precheck;
use crate::policy::Verdict;
use crate::state::approvals::Unresolved;
use crate::state::audit::Decision as AuditDecision;
use crate::state::GateState;

/// The gate's bound on a policy denial's reason.
const DENY_REASON_MAX_BYTES: usize = 500;

/// Runs one execute request.
pub async fn execute(
    state: &Arc<GateState>,
    action_id: &str,
    headers: &HeaderMap,
    peer: &Peer,
    body: &[u8],
) -> Result<ExecutionResponse, PipelineError> {
    let sw = &state.settings.switches;
    admit(state, action_id, headers, peer)?;
    let trace_id = uuid::Uuid::now_v7().to_string();
    let mut audit = CallAudit::new(&trace_id, action_id, state.settings.dev_mode);
    if state.is_draining() {
        state.metrics.call(action_id, "deny");
        return Err(PipelineError::Draining);
    }
    let (auth, entry) = identify(state, action_id, headers, &mut audit)?;
    let action = Arc::clone(&entry.action);
    let (params, request_hash) = read_request(state, &action, body, &mut audit)?;
    let domains = precheck::domain_precheck(state, &action, &params);
    let (fs_path, paths) = precheck::path_precheck(state, &action, &params);
    let unresolved = Unresolved { domains, paths };
    let budgets_on = auth.lease.budgets.is_some() && !sw.has(Mutant::IgnoreBudgets);
    let calls_remaining = budget_snapshot(state, &auth, budgets_on, &audit)?;
    audit.set_budgets_before(calls_remaining);
    let facts = CallFacts {
        request_hash: &request_hash,
        fs_path: fs_path.as_deref(),
        calls_remaining,
        unresolved: &unresolved,
    };
    let granted = match crate::enforce::decide::evaluate(state, &auth, &action, facts) {
        Verdict::Deny(raw) => return Err(policy_denied(state, &audit, &auth, action_id, &raw)),
        Verdict::Unavailable(m) => {
            return Err(policy_failed(
                state,
                &audit,
                PipelineError::PolicyUnavailable(m),
            ))
        }
        Verdict::Invalid(m) => {
            return Err(policy_failed(
                state,
                &audit,
                PipelineError::PolicyInvalid(m),
            ))
        }
        Verdict::Review(granted) if !sw.has(Mutant::SkipApprovalGate) => {
            let parts = ApprovalParts {
                approval_id: uuid::Uuid::now_v7().to_string(),
                trace_id,
                request_hash,
                params,
                granted,
                calls_remaining,
                had_budgets: budgets_on,
                unresolved,
            };
            return Err(hold_for_review(state, &mut audit, &auth, &action, parts));
        }
        Verdict::Review(g) | Verdict::Allow(g) => g,
    };
    if sw.has(Mutant::AllowedNetworkCallFails) && !action.spec.is_fs() {
        return Err(PipelineError::Internal(
            "mutant: an allowed network call is not dispatched".into(),
        ));
    }
    let audit = ExecAudit::auto(state, &audit, &action, granted.policy_version.as_deref());
    let dispatch = Dispatch {
        entry,
        params,
        session_id: auth.lease.session_id.clone(),
        debit: budgets_on,
        trace_id,
        approval: None,
        audit,
    };
    execution::run(state, dispatch).await
}

/// The execute buckets: the session's when the bearer token names one, else the peer's.
fn admit(
    state: &GateState,
    action_id: &str,
    headers: &HeaderMap,
    peer: &Peer,
) -> Result<(), PipelineError> {
    let allowed = match crate::state::ratelimit::session_hint(header_str(headers, "authorization"))
    {
        Some(session) => state.limiters.execute_session.check(&session),
        None => state.limiters.execute_peer.check(&peer.limiter_key()),
    };
    if !allowed {
        state.metrics.call(action_id, "rate_limited");
        return Err(PipelineError::RateLimited);
    }
    Ok(())
}

/// Authentication (timed as the gate's replay check) and the action lookup; a failure of
/// either is audited.
fn identify(
    state: &GateState,
    action_id: &str,
    headers: &HeaderMap,
    audit: &mut CallAudit,
) -> Result<(AgentAuth, ActionEntry), PipelineError> {
    let htu = state.htu(&format!("/v1/actions/{action_id}/execute"));
    let t = std::time::Instant::now();
    let authenticated = authenticate_agent(state, headers, "POST", &htu);
    state.metrics.store_duration("replay_check", t.elapsed());
    let auth = authenticated.map_err(|a| audit.auth_failed(state, headers, a))?;
    audit.set_principal(&auth);
    let entry = state.action(action_id).ok_or_else(|| {
        audit.deny(
            state,
            "action_not_found".into(),
            PipelineError::ActionNotFound,
        )
    })?;
    audit.set_action(&entry.action);
    Ok((auth, entry))
}

/// The body as parameters (JSON, limits, schema) and their JCS request hash, whose canonical
/// form must fit `max_request_bytes`.
fn read_request(
    state: &GateState,
    action: &CompiledAction,
    body: &[u8],
    audit: &mut CallAudit,
) -> Result<(Value, String), PipelineError> {
    let sw = &state.settings.switches;
    let params = parse_and_validate(action, body, sw.has(Mutant::SkipSchemaValidation))
        .map_err(|e| audit.schema_failed(state, e))?;
    let (mut request_hash, canonical_len) = crate::crypto::canonical_digest(&params)
        .ok_or_else(|| PipelineError::Internal("request canonicalization failed".into()))?;
    if canonical_len > action.spec.io.max_request_bytes {
        let max = action.spec.io.max_request_bytes;
        return Err(audit.deny(
            state,
            format!("request canonicalization: input exceeds max size ({canonical_len} > {max})"),
            PipelineError::Internal("request canonicalization: too large".into()),
        ));
    }
    if sw.has(Mutant::WrongRequestHash) {
        request_hash =
            crate::crypto::request_hash(&json!({"wrong": request_hash})).unwrap_or_default();
    }
    audit.set_request(&request_hash, action);
    Ok((params, request_hash))
}

/// Calls left before this one: `i64::MAX` when budgets are off for the call; a lease whose
/// budget row is gone is denied.
fn budget_snapshot(
    state: &GateState,
    auth: &AgentAuth,
    budgets_on: bool,
    audit: &CallAudit,
) -> Result<i64, PipelineError> {
    if !budgets_on {
        return Ok(i64::MAX);
    }
    state
        .budgets
        .snapshot(&auth.lease.session_id, state.now_ms())
        .map_err(|_| {
            let reason = format!(
                "budget: session budget not initialised: {}",
                auth.lease.session_id
            );
            audit.deny(state, reason, PipelineError::BudgetSessionNotFound)
        })
}

/// The policy sent the call to review: the pending approval is stored and audited, and the
/// agent gets its id (202).
fn hold_for_review(
    state: &GateState,
    audit: &mut CallAudit,
    auth: &AgentAuth,
    action: &CompiledAction,
    parts: ApprovalParts,
) -> PipelineError {
    state.metrics.decision("pending_approval");
    let approval_id = parts.approval_id.clone();
    let request_hash = parts.request_hash.clone();
    let trace_id = parts.trace_id.clone();
    let policy_version = parts.granted.policy_version.clone();
    state
        .approvals
        .insert(approval_record(state, auth, action, parts));
    audit.set_approval_id(&approval_id);
    audit.write(
        state,
        AuditDecision::PendingApproval,
        policy_version.as_deref(),
        None,
    );
    PipelineError::Approval {
        approval_id,
        request_hash,
        trace_id,
    }
}

/// A policy denial: metrics, the audit event and the 403. The gate sanitizes the reason once,
/// where it makes the error: the body and the ledger carry the same text.
fn policy_denied(
    state: &GateState,
    audit: &CallAudit,
    auth: &AgentAuth,
    action_id: &str,
    raw: &str,
) -> PipelineError {
    state.metrics.decision("deny");
    let reason = crate::body::sanitize(raw, DENY_REASON_MAX_BYTES);
    audit.write(
        state,
        AuditDecision::Deny,
        None,
        Some(format!("policy denied: {reason}")),
    );
    PipelineError::PolicyDenied {
        reason,
        principal: auth.lease.sub.clone(),
        action_id: action_id.to_string(),
    }
}

/// The policy could not decide (503): metrics and audit record an error, whose reason is the
/// error's text without its `policy: ` category.
fn policy_failed(state: &GateState, audit: &CallAudit, err: PipelineError) -> PipelineError {
    state.metrics.decision("error");
    let text = err.to_string();
    let reason = text.strip_prefix("policy: ").unwrap_or(&text).to_string();
    audit.write(state, AuditDecision::Error, None, Some(reason));
    err
}

/// Body → JSON (empty = `{}`), limits, schema.
pub fn parse_and_validate(
    action: &CompiledAction,
    body: &[u8],
    skip_schema: bool,
) -> Result<Value, PipelineError> {
    let params: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body)
            .map_err(|e| PipelineError::Schema(format!("request body is not valid JSON: {e}")))?
    };
    crate::actions::verifiers::check_limits(&params, action.spec.io.max_request_bytes)
        .map_err(PipelineError::Schema)?;
    if !skip_schema {
        if let Some(v) = &action.request_validator {
            let errors: Vec<String> = v
                .iter_errors(&params)
                .take(5)
                .map(|e| e.to_string())
                .collect();
            if !errors.is_empty() {
                return Err(PipelineError::Schema(errors.join("; ")));
            }
        }
    }
    Ok(params)
}
