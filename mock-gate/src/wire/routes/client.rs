//! Client-router handlers: health, action discovery, execute, poll, agent receipts.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Serialize;
use serde_json::Value;

use crate::actions::manifest::{EgressProfile, ResourceLimits, RiskLevel};
use crate::body::{empty, json, GateBody};
use crate::control::mutants::Mutant;
use crate::enforce::authenticate::{authenticate_agent, AuthFailure};
use crate::state::approvals::ApprovalState;
use crate::state::GateState;
use crate::wire::server::Peer;

#[derive(Serialize)]
struct Health {
    status: &'static str,
}

/// `GET /healthz`.
pub async fn healthz() -> Response {
    json(StatusCode::OK, &Health { status: "ok" })
}

#[derive(Serialize)]
struct Ready {
    status: &'static str,
    redis: bool,
    opa: bool,
    ledger: bool,
    approval_store: bool,
    egress_proxy: Option<bool>,
    actions_registered: usize,
}

/// `GET /readyz`.
pub async fn readyz(State(st): State<Arc<GateState>>) -> Response {
    let n = st.registry.read().unwrap_or_else(|e| e.into_inner()).len();
    let ready = n > 0;
    json(
        if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        &Ready {
            status: if ready { "ready" } else { "not_ready" },
            redis: true,
            opa: true,
            ledger: true,
            approval_store: true,
            egress_proxy: None,
            actions_registered: n,
        },
    )
}

#[derive(Serialize)]
struct Summary {
    action_id: String,
    version: String,
    risk_level: RiskLevel,
}

#[derive(Serialize)]
struct ActionList {
    actions: Vec<Summary>,
}

/// `GET /v1/actions`.
pub async fn list_actions(State(st): State<Arc<GateState>>) -> Response {
    let reg = st.registry.read().unwrap_or_else(|e| e.into_inner());
    let actions = reg
        .values()
        .map(|e| Summary {
            action_id: e.action.spec.action_id.clone(),
            version: e.action.spec.version.clone(),
            risk_level: e.action.spec.risk_level,
        })
        .collect();
    json(StatusCode::OK, &ActionList { actions })
}

#[derive(Serialize)]
struct Io {
    max_request_bytes: usize,
    max_response_bytes: usize,
    has_request_schema: bool,
    has_response_schema: bool,
}

#[derive(Serialize)]
struct Detail {
    action_id: String,
    version: String,
    provider_module_digest: String,
    risk_level: RiskLevel,
    resource_limits: ResourceLimits,
    io: Io,
    egress: Option<EgressProfile>,
    declared_side_effects: Vec<String>,
}

/// `GET /v1/actions/{id}` (404 with an empty body when unknown).
pub async fn get_action(State(st): State<Arc<GateState>>, Path(id): Path<String>) -> Response {
    let Some(e) = st.action(&id) else {
        return empty(StatusCode::NOT_FOUND);
    };
    let s = &e.action.spec;
    json(
        StatusCode::OK,
        &Detail {
            action_id: s.action_id.clone(),
            version: s.version.clone(),
            provider_module_digest: s.provider_module_digest.clone(),
            risk_level: s.risk_level,
            resource_limits: s.resource_limits.clone(),
            io: Io {
                max_request_bytes: s.io.max_request_bytes,
                max_response_bytes: s.io.max_response_bytes,
                has_request_schema: e.action.request_validator.is_some(),
                has_response_schema: e.action.response_validator.is_some(),
            },
            egress: s.egress_profile().ok(),
            declared_side_effects: s.declared_side_effects.clone(),
        },
    )
}

/// `GET /v1/actions/{id}/schema/request` (404 empty when unknown or schemaless).
pub async fn get_schema(State(st): State<Arc<GateState>>, Path(id): Path<String>) -> Response {
    match st
        .action(&id)
        .and_then(|e| e.action.spec.io.request_schema.clone())
    {
        Some(schema) => json(StatusCode::OK, &schema),
        None => empty(StatusCode::NOT_FOUND),
    }
}

/// `POST /v1/actions/{id}/execute` (Content-Type not checked, empty body = `{}`).
pub async fn execute(
    State(st): State<Arc<GateState>>,
    Path(action_id): Path<String>,
    Extension(peer): Extension<Peer>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match crate::enforce::pipeline::execute(&st, &action_id, &headers, &peer, &body).await {
        Ok(r) => json(StatusCode::OK, &r),
        Err(e) => e.into_response(),
    }
}

#[derive(Serialize)]
struct Poll {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_seconds: Option<u64>,
}

/// `GET /v1/approvals/{id}/poll` (errors are bare statuses with empty bodies).
pub async fn poll(
    State(st): State<Arc<GateState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let htu = st.htu(&format!("/v1/approvals/{id}/poll"));
    let auth = match authenticate_agent(&st, &headers, "GET", &htu) {
        Ok(a) => a,
        Err(_) => return empty(StatusCode::UNAUTHORIZED),
    };
    let Some(rec) = st.approvals.get(&id) else {
        return empty(StatusCode::NOT_FOUND);
    };
    if auth.lease.session_id != rec.caller.session_id
        && !st.settings.switches.has(Mutant::SkipPollSessionScope)
    {
        return empty(StatusCode::NOT_FOUND);
    }
    let p = |status, receipt_id, reason, retry| Poll {
        status,
        receipt_id,
        reason,
        retry_after_seconds: retry,
    };
    let body = match rec.state {
        ApprovalState::Pending => p("pending", None, None, Some(2)),
        ApprovalState::Claimed => p("pending", None, None, Some(1)),
        ApprovalState::Approved => p("approved", rec.receipt_id, None, None),
        ApprovalState::Denied => p(
            "denied",
            None,
            Some(
                rec.deny_reason
                    .unwrap_or_else(|| "no reason provided".into()),
            ),
            None,
        ),
        ApprovalState::Failed => p(
            "failed",
            None,
            Some(rec.error_code.unwrap_or_else(|| "execution_failed".into())),
            None,
        ),
    };
    json(StatusCode::OK, &body)
}

/// Receipt lookup with `signature_status` (404 `not_found`).
pub fn lookup_receipt(st: &GateState, id: &str) -> Response {
    let Some(mut r) = st.receipts.get(id) else {
        return GateBody::error(StatusCode::NOT_FOUND, "not_found").into_response();
    };
    let status = crate::state::receipts::signature_status(&r, &st.signer);
    if let Some(obj) = r.as_object_mut() {
        obj.insert("signature_status".into(), Value::String(status.into()));
        if st.settings.switches.has(Mutant::ReceiptOutcomeAsString) {
            let tag = obj
                .get("verification_outcome")
                .and_then(|v| v.get("status"))
                .cloned()
                .unwrap_or(Value::Null);
            obj.insert("verification_outcome".into(), tag);
        }
    }
    json(StatusCode::OK, &r)
}

/// `GET /v1/receipts/{id}` on the client listener (agent auth, no `deny_reason`).
pub async fn receipt_agent(
    State(st): State<Arc<GateState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let htu = st.htu(&format!("/v1/receipts/{id}"));
    if let Err(e) = authenticate_agent(&st, &headers, "GET", &htu) {
        let u = StatusCode::UNAUTHORIZED;
        let body = match e {
            AuthFailure::InvalidDpop(_) => GateBody::error(u, "invalid_dpop"),
            AuthFailure::KeyBindingFailed => GateBody::error(u, "key_binding_failed"),
            other => crate::enforce::error::auth_body(&other),
        };
        return body.into_response();
    }
    lookup_receipt(&st, &id)
}
