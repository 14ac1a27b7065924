//! `POST /v1/actions/{id}/execute` in the gate's order: rate limit, drain, auth, lookup,
//! body/schema/hash, prechecks, budget snapshot, policy, approval branch, dispatch.

use std::sync::Arc;

use axum::http::HeaderMap;
use serde_json::{json, Value};

use crate::actions::manifest::{CompiledAction, EgressProfile};
use crate::auth::peer::Peer;
use crate::control::mutants::Mutant;
use crate::enforce::audit::{CallAudit, ExecAudit};
use crate::enforce::authenticate::{authenticate_agent, header_str, AgentAuth};
use crate::enforce::decide::CallFacts;
use crate::enforce::execution::{self, Dispatch, ExecutionResponse};
use crate::enforce::pipeline_error::PipelineError;
use crate::policy::{Granted, Verdict};
use crate::state::approvals::{ApprovalRecord, ApprovalState, Plan};
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
    let allowed = match crate::state::ratelimit::session_hint(header_str(headers, "authorization"))
    {
        Some(session) => state.limiters.execute_session.check(&session),
        None => state.limiters.execute_peer.check(&peer.limiter_key()),
    };
    if !allowed {
        state.metrics.call(action_id, "rate_limited");
        return Err(PipelineError::RateLimited);
    }
    let trace_id = uuid::Uuid::now_v7().to_string();
    let mut audit = CallAudit::new(&trace_id, action_id, state.settings.dev_mode);
    if state.is_draining() {
        state.metrics.call(action_id, "deny");
        return Err(PipelineError::Draining);
    }
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
    let action = Arc::clone(&entry.action);
    audit.set_action(&action);

    let params = parse_and_validate(&action, body, sw.has(Mutant::SkipSchemaValidation))
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
    audit.set_request(&request_hash, &action);

    let unresolved_domains = domain_precheck(state, &action, &params);
    let (fs_path, unresolved_paths) = path_precheck(state, &action, &params);

    let budgets_on = auth.budgets.is_some() && !sw.has(Mutant::IgnoreBudgets);
    let calls_remaining = if budgets_on {
        state
            .budgets
            .snapshot(&auth.session_id, state.now_ms())
            .map_err(|_| {
                let reason = format!(
                    "budget: session budget not initialised: {}",
                    auth.session_id
                );
                audit.deny(state, reason, PipelineError::BudgetSessionNotFound)
            })?
    } else {
        i64::MAX
    };
    audit.set_budgets_before(calls_remaining);

    let verdict = crate::enforce::decide::evaluate(
        state,
        &auth,
        &action,
        CallFacts {
            request_hash: &request_hash,
            fs_path: fs_path.as_deref(),
            calls_remaining,
            unresolved_domains: &unresolved_domains,
            unresolved_paths: &unresolved_paths,
        },
    );
    let granted = match verdict {
        Verdict::Deny(raw) => return Err(policy_denied(state, &audit, &auth, action_id, &raw)),
        Verdict::Unavailable(m) => {
            let text = format!("policy engine unreachable: {m}");
            return Err(policy_failed(
                state,
                &audit,
                text,
                PipelineError::PolicyUnavailable(m),
            ));
        }
        Verdict::Invalid(m) => {
            let text = format!("policy engine returned unexpected response: {m}");
            return Err(policy_failed(
                state,
                &audit,
                text,
                PipelineError::PolicyInvalid(m),
            ));
        }
        Verdict::Review(g) if !sw.has(Mutant::SkipApprovalGate) => {
            state.metrics.decision("pending_approval");
            let approval_id = uuid::Uuid::now_v7().to_string();
            let pv = g.policy_version.clone();
            let rec = approval_record(
                state,
                &auth,
                &action,
                ApprovalParts {
                    approval_id: approval_id.clone(),
                    trace_id: trace_id.clone(),
                    request_hash: request_hash.clone(),
                    params,
                    granted: g,
                    calls_remaining,
                    had_budgets: budgets_on,
                    unresolved_domains,
                    unresolved_paths,
                },
            );
            state.approvals.insert(rec);
            audit.set_approval_id(&approval_id);
            audit.write(state, AuditDecision::PendingApproval, pv.as_deref(), None);
            return Err(PipelineError::Approval {
                approval_id,
                request_hash,
                trace_id,
            });
        }
        Verdict::Review(g) | Verdict::Allow(g) => g,
    };
    if sw.has(Mutant::AllowedNetworkCallFails) && !action.spec.is_fs() {
        return Err(PipelineError::Internal(
            "mutant: an allowed network call is not dispatched".into(),
        ));
    }
    execution::run(
        state,
        Dispatch {
            entry,
            params,
            session_id: auth.session_id.clone(),
            debit: budgets_on,
            trace_id,
            approval: None,
            audit: ExecAudit::auto(state, &audit, &action, granted.policy_version.as_deref()),
        },
    )
    .await
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
        principal: auth.principal.clone(),
        action_id: action_id.to_string(),
    }
}

/// The policy could not decide (503): metrics and audit record an error.
fn policy_failed(
    state: &GateState,
    audit: &CallAudit,
    text: String,
    err: PipelineError,
) -> PipelineError {
    state.metrics.decision("error");
    audit.write(state, AuditDecision::Error, None, Some(text));
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

/// Host of the templated target URL when it is neither allowlisted nor learned.
pub fn domain_precheck(state: &GateState, action: &CompiledAction, params: &Value) -> Vec<String> {
    let Ok(EgressProfile::ProxyAllowlist { allowed_domains }) = action.spec.egress_profile() else {
        return Vec::new();
    };
    let url = match &action.spec.template {
        Some(t) => crate::actions::providers::resolve_template(t, params).url,
        None => match params
            .get("url")
            .or_else(|| params.get("target"))
            .and_then(Value::as_str)
        {
            Some(u) => u.to_string(),
            None => return Vec::new(),
        },
    };
    let Some(host) = parse_host(&url) else {
        return Vec::new();
    };
    if domain_in(&host, &allowed_domains)
        || domain_in(
            &host,
            &state.learned.domains.learned(&action.spec.action_id).values,
        )
    {
        Vec::new()
    } else {
        vec![host]
    }
}

/// The gate's host extraction: URL host, else email domain, else a bare dotted name.
pub fn parse_host(target: &str) -> Option<String> {
    if let Ok(u) = url::Url::parse(target) {
        if let Some(h) = u.host_str() {
            return Some(h.to_ascii_lowercase());
        }
    }
    if let Some(at) = target.rfind('@') {
        let d = &target[at + 1..];
        let d = d.split(':').next().unwrap_or(d);
        if !d.is_empty() {
            return Some(d.to_ascii_lowercase());
        }
    }
    let bare = target.split(':').next().unwrap_or(target);
    (!bare.is_empty() && bare.contains('.') && !bare.contains('@') && !bare.contains('/'))
        .then(|| bare.to_ascii_lowercase())
}

/// Exact (case-insensitive) or `*.suffix` (at least one label before the suffix).
pub fn domain_in(host: &str, list: &[String]) -> bool {
    let host = host.to_ascii_lowercase();
    list.iter().any(|entry| {
        let e = entry.to_ascii_lowercase();
        match e.strip_prefix("*.") {
            Some(suffix) => host.len() > suffix.len() + 1 && host.ends_with(&format!(".{suffix}")),
            None => host == e,
        }
    })
}

/// fs actions: the body `path`, and it again when it matches no allowed/learned/denied glob.
pub fn path_precheck(
    state: &GateState,
    action: &CompiledAction,
    params: &Value,
) -> (Option<String>, Vec<String>) {
    if action.spec.fs.is_none() {
        return (None, Vec::new());
    }
    let Some(path) = params.get("path").and_then(Value::as_str) else {
        return (None, Vec::new());
    };
    let denied = action
        .denied_globs
        .as_ref()
        .is_some_and(|g| g.is_match(path));
    let learned = state.learned.paths.learned(&action.spec.action_id);
    let allowed = action
        .allowed_globs
        .as_ref()
        .is_some_and(|g| g.is_match(path))
        || learned.globs.as_ref().is_some_and(|g| g.is_match(path));
    let unresolved = if denied || allowed {
        Vec::new()
    } else {
        vec![path.to_string()]
    };
    (Some(path.to_string()), unresolved)
}

struct ApprovalParts {
    approval_id: String,
    trace_id: String,
    request_hash: String,
    params: Value,
    granted: Granted,
    calls_remaining: i64,
    had_budgets: bool,
    unresolved_domains: Vec<String>,
    unresolved_paths: Vec<String>,
}

fn approval_record(
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
    let plan_hash = crate::crypto::sha256_hex(
        serde_json_canonicalizer::to_string(&plan_input)
            .unwrap_or_default()
            .as_bytes(),
    );
    ApprovalRecord {
        approval_id: p.approval_id,
        trace_id: p.trace_id,
        action_id: action.spec.action_id.clone(),
        action_version: action.spec.version.clone(),
        risk_level: action.spec.risk_level,
        principal: auth.principal.clone(),
        session_id: auth.session_id.clone(),
        lease_jti: auth.lease_jti.clone(),
        owner: auth.owner.clone(),
        request_hash: p.request_hash,
        request_body: p.params,
        policy_version: g.policy_version,
        created_ms: created.timestamp_millis(),
        created_at: crate::control::clock::rfc3339_nanos(created),
        expires_at,
        state: ApprovalState::Pending,
        claimed_by: None,
        claimed_ms: None,
        claimed_at: None,
        completed_ms: None,
        completed_at: None,
        receipt_id: None,
        deny_reason: None,
        error_code: None,
        unresolved_domains: p.unresolved_domains,
        unresolved_paths: p.unresolved_paths,
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
