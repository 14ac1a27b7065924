//! Operator approval routes: list, detail, approve (runs the stored plan), deny.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::body::{empty, json as json_resp};
use crate::enforce::authenticate::{authenticate_operator, OperatorAuth};
use crate::enforce::error::PipelineError;
use crate::enforce::execution::{self, ApprovalProvenance, Dispatch};
use crate::enforce::learning;
use crate::state::approvals::{ApprovalRecord, ApprovalState, Claim};
use crate::state::learned_rules::{EntrySource, LearnedKind};
use crate::state::GateState;

/// `GET /v1/approvals` query.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    status: Option<ApprovalState>,
    limit: Option<usize>,
}

#[derive(Serialize)]
struct Summary {
    approval_id: String,
    status: ApprovalState,
    action_id: String,
    action_version: String,
    principal: String,
    session_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<String>,
    risk_level: crate::actions::manifest::RiskLevel,
    request_hash: String,
    created_at: String,
    expires_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    claimed_by: Option<String>,
}

#[derive(Serialize)]
struct ListBody {
    approvals: Vec<Summary>,
    count: usize,
}

/// `GET /v1/approvals?status=&limit=`.
pub async fn list(
    State(st): State<Arc<GateState>>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    if let Err(r) = super::admin::read_guard(&st, &headers, "/v1/approvals") {
        return r;
    }
    let limit = q.limit.unwrap_or(50).min(200);
    let approvals: Vec<Summary> = st
        .approvals
        .list(q.status, limit)
        .into_iter()
        .map(|r| Summary {
            approval_id: r.approval_id.clone(),
            status: r.state,
            action_id: r.action_id.clone(),
            action_version: r.action_version.clone(),
            principal: r.caller.principal.clone(),
            session_id: r.caller.session_id.clone(),
            owner: r.caller.owner.clone(),
            risk_level: r.risk_level,
            request_hash: r.request_hash.clone(),
            created_at: r.created.text.clone(),
            expires_at: r.expires_at.clone(),
            claimed_by: r.claimed_by.clone(),
        })
        .collect();
    let count = approvals.len();
    json_resp(StatusCode::OK, &ListBody { approvals, count })
}

fn detail_value(r: &ApprovalRecord) -> Value {
    let mut v = json!({
        "approval_id": r.approval_id,
        "status": r.state,
        "action_id": r.action_id,
        "principal": r.caller.principal,
        "session_id": r.caller.session_id,
        "request_hash": r.request_hash,
        "created_at": r.created.text,
        "action_version": r.action_version,
        "risk_level": r.risk_level,
        "approved_targets": r.plan.approved_targets,
        "approved_secrets": [],
        "approved_egress": r.plan.approved_egress,
        "verifier_kind": r.plan.verifier_kind,
        "provider_module_digest": r.plan.provider_module_digest,
        "plan_hash": r.plan.plan_hash,
        "expires_at": r.expires_at,
        "budget_snapshot": {
            "calls_remaining": r.plan.calls_remaining,
            "policy_approved_calls_after": r.plan.calls_after,
        },
    });
    let obj = v.as_object_mut().expect("json! object");
    let mut opt = |k: &str, val: Option<Value>| {
        if let Some(val) = val {
            obj.insert(k.into(), val);
        }
    };
    opt(
        "policy_version",
        r.policy_version.clone().map(Value::String),
    );
    opt("claimed_by", r.claimed_by.clone().map(Value::String));
    opt(
        "claimed_at",
        r.claimed.as_ref().map(|s| Value::String(s.text.clone())),
    );
    opt(
        "completed_at",
        r.completed.as_ref().map(|s| Value::String(s.text.clone())),
    );
    opt("receipt_id", r.receipt_id.clone().map(Value::String));
    opt("deny_reason", r.deny_reason.clone().map(Value::String));
    opt("error_code", r.error_code.clone().map(Value::String));
    opt(
        "unresolved_domains",
        (!r.unresolved.domains.is_empty()).then(|| json!(r.unresolved.domains)),
    );
    opt(
        "unresolved_paths",
        (!r.unresolved.paths.is_empty()).then(|| json!(r.unresolved.paths)),
    );
    v
}

/// `GET /v1/approvals/{id}` (every failure is a bare status).
pub async fn detail(
    State(st): State<Arc<GateState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if authenticate_operator(&st, &headers, "GET", &format!("/v1/approvals/{id}")).is_err() {
        return empty(StatusCode::UNAUTHORIZED);
    }
    if super::throttle::operator_read(&st).is_err() {
        return empty(StatusCode::TOO_MANY_REQUESTS);
    }
    match st.approvals.get(&id) {
        Some(r) => json_resp(StatusCode::OK, &detail_value(&r)),
        None => empty(StatusCode::NOT_FOUND),
    }
}

/// Approve query.
#[derive(Debug, Deserialize, Default)]
pub struct ApproveQuery {
    learn_domain: Option<String>,
    learn_path: Option<String>,
}

fn terminal(r: &ApprovalRecord) -> Response {
    let decision = match r.state {
        ApprovalState::Approved => "already_approved",
        ApprovalState::Denied => "already_denied",
        ApprovalState::Failed => "already_failed",
        _ => "already_completed",
    };
    let mut v = json!({"decision": decision, "approval_id": r.approval_id, "status": r.state});
    let obj = v.as_object_mut().expect("json! object");
    if let Some(t) = &r.completed {
        obj.insert("completed_at".into(), json!(t.text));
    }
    if let Some(x) = &r.receipt_id {
        obj.insert("receipt_id".into(), json!(x));
    }
    if let Some(x) = &r.deny_reason {
        obj.insert("deny_reason".into(), json!(x));
    }
    json_resp(StatusCode::OK, &v)
}

enum Claimed {
    Go(Box<ApprovalRecord>),
    Answer(Response),
}

fn claim(st: &GateState, id: &str, op: &OperatorAuth) -> Claimed {
    match st.approvals.claim(id, &op.operator_id, st.stamp()) {
        Claim::Claimed(r) => Claimed::Go(r),
        Claim::NotFound => Claimed::Answer(PipelineError::ActionNotFound.into_response()),
        Claim::AlreadyClaimed => Claimed::Answer(PipelineError::Conflict.into_response()),
        Claim::Completed(r) => Claimed::Answer(terminal(&r)),
    }
}

/// `POST /v1/approvals/{id}/approve[?learn_domain=&learn_path=]`.
pub async fn approve(
    State(st): State<Arc<GateState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<ApproveQuery>,
) -> Response {
    let op = match authenticate_operator(
        &st,
        &headers,
        "POST",
        &format!("/v1/approvals/{id}/approve"),
    ) {
        Ok(op) => op,
        Err(a) => return PipelineError::Auth(a).into_response(),
    };
    if st.is_draining() {
        return PipelineError::Draining.into_response();
    }
    if !super::throttle::approval_write_allowed(&st) {
        return PipelineError::Throttled.into_response();
    }
    if let Some(d) = &q.learn_domain {
        if let Err(e) = learning::validate_domain(d) {
            return PipelineError::BadRequest(format!("invalid learn_domain '{d}': {e}"))
                .into_response();
        }
    }
    let rec = match claim(&st, &id, &op) {
        Claimed::Go(r) => r,
        Claimed::Answer(resp) => return resp,
    };
    let domain = q
        .learn_domain
        .clone()
        .or_else(|| rec.unresolved.domains.first().cloned());
    let path = match learning::resolve_path(
        q.learn_path.as_deref(),
        rec.unresolved.paths.first().map(String::as_str),
        st.fs_root_for(&rec.caller.session_id).as_deref(),
    ) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let who = learning::Provenance {
        added_by: &op.operator_id,
        source: EntrySource::Approval,
        approval_id: Some(&id),
    };
    // The gate only logs a failed insert (invalid domain, path cap) and answers without it.
    let learn =
        |kind, value: &String| learning::learn(&st, kind, &rec.action_id, value, who).is_ok();
    let learned_domain = domain.filter(|d| learn(LearnedKind::Domain, d));
    let learned_path = path.filter(|p| learn(LearnedKind::Path, p));
    let trace_id = uuid::Uuid::now_v7().to_string();
    let result = run_approved(&st, &rec, &op, trace_id).await;
    match result {
        Ok(mut resp) => {
            st.approvals
                .finish(&id, ApprovalState::Approved, &resp.receipt_id, st.stamp());
            resp.learned_domain = learned_domain;
            resp.learned_path = learned_path;
            let v = serde_json::to_value(&resp).unwrap_or(Value::Null);
            json_resp(StatusCode::OK, &v)
        }
        Err(e) => {
            st.approvals
                .finish(&id, ApprovalState::Failed, &e.to_string(), st.stamp());
            e.into_response()
        }
    }
}

async fn run_approved(
    st: &Arc<GateState>,
    rec: &ApprovalRecord,
    op: &OperatorAuth,
    trace_id: String,
) -> Result<execution::ExecutionResponse, PipelineError> {
    if st.now_ms() > rec.expires_ms() {
        crate::enforce::audit::plan_expired(st, rec);
        return Err(PipelineError::PlanIntegrity(
            "execution plan expired before approval",
        ));
    }
    let entry = st
        .action(&rec.action_id)
        .ok_or(PipelineError::ActionNotFound)?;
    let audit = crate::enforce::audit::ExecAudit::approved(st, &trace_id, rec, op, &entry.action);
    execution::run(
        st,
        Dispatch {
            audit,
            entry,
            params: rec.request_body.clone(),
            session_id: rec.caller.session_id.clone(),
            debit: rec.plan.had_budgets,
            trace_id,
            approval: Some(ApprovalProvenance {
                decision: "allow".into(),
                approval_id: rec.approval_id.clone(),
                approved_by: op.operator_id.clone(),
                approval_hash: Some(rec.plan.plan_hash.clone()),
                operator_authn_method: "operator_dpop".into(),
                operator_sender_binding: op.sender_binding.clone(),
            }),
        },
    )
    .await
}

/// Optional deny body.
#[derive(Debug, Deserialize, Default)]
pub struct DenyBody {
    reason: Option<String>,
}

/// `POST /v1/approvals/{id}/deny` (works while draining).
pub async fn deny(
    State(st): State<Arc<GateState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Option<Json<DenyBody>>,
) -> Response {
    let op = match authenticate_operator(&st, &headers, "POST", &format!("/v1/approvals/{id}/deny"))
    {
        Ok(op) => op,
        Err(a) => return PipelineError::Auth(a).into_response(),
    };
    if !super::throttle::approval_write_allowed(&st) {
        return PipelineError::Throttled.into_response();
    }
    let rec = match claim(&st, &id, &op) {
        Claimed::Go(r) => r,
        Claimed::Answer(resp) => return resp,
    };
    let reason = body
        .and_then(|b| b.0.reason)
        .unwrap_or_else(|| "operator_denied".into());
    crate::enforce::audit::approval_denied(&st, &rec, &op, &reason);
    st.approvals
        .finish(&id, ApprovalState::Denied, &reason, st.stamp());
    st.metrics.call(&rec.action_id, "deny");
    st.metrics.decision("deny");
    let v = json!({
        "decision": "deny",
        "trace_id": rec.trace_id,
        "action_id": rec.action_id,
        "approval_id": id,
        "denied_by": op.operator_id,
        "deny_reason": reason,
    });
    json_resp(StatusCode::OK, &v)
}
