//! `/v1/admin/policy`, `/v1/admin/policy/{principal}`, `/v1/admin/policy/{grant,revoke}`.
//!
//! Order on every route: extractor → operator auth (401 `unauthorized`) → operator limiter →
//! input checks → edit. Bodies are `serde_json::Value` maps on the gate (sorted keys).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::actions::Registry;
use crate::body::{json as json_resp, GateBody};
use crate::policy::edits;
use crate::state::audit::{record_admin, EventType};
use crate::state::GateState;

use super::admin::{checked_write, read_guard, Answer};
use super::crud::validate_action_id;

const MAX_PRINCIPAL_LEN: usize = 253;
const MAX_ACTIONS_PER_REQUEST: usize = 100;

/// Grant/revoke body.
#[derive(Debug, Deserialize)]
pub struct GrantRevokeBody {
    principal: String,
    actions: Vec<String>,
}

fn validate_principal(p: &str) -> Result<(), GateBody> {
    if p.is_empty() || p.len() > MAX_PRINCIPAL_LEN {
        return Err(
            GateBody::error(StatusCode::BAD_REQUEST, "invalid_principal")
                .field("detail", "principal must be 1-253 characters"),
        );
    }
    Ok(())
}

/// Principal and action-count checks shared by grant and revoke.
fn validate_request(b: &GrantRevokeBody) -> Result<(), GateBody> {
    validate_principal(&b.principal)?;
    if b.actions.is_empty() {
        return Err(GateBody::error(StatusCode::BAD_REQUEST, "empty_actions")
            .field("detail", "at least one action required"));
    }
    if b.actions.len() > MAX_ACTIONS_PER_REQUEST {
        return Err(GateBody::error(StatusCode::BAD_REQUEST, "too_many_actions")
            .field("detail", "max 100 actions per request"));
    }
    Ok(())
}

fn registry(st: &GateState) -> Registry {
    st.registry
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

/// `GET /v1/admin/policy` → `{acl, policy_version}`.
pub async fn show(State(st): State<Arc<GateState>>, headers: HeaderMap) -> Answer {
    read_guard(&st, &headers, "/v1/admin/policy")?;
    let body = st
        .policy
        .read(|p| json!({"policy_version": p.policy_version(), "acl": p.acl()}));
    Ok(json_resp(StatusCode::OK, &body))
}

/// `GET /v1/admin/policy/{principal}` → `{acl, principal}` or 404 `principal_not_found`.
pub async fn show_principal(
    State(st): State<Arc<GateState>>,
    headers: HeaderMap,
    Path(principal): Path<String>,
) -> Answer {
    let path = format!("/v1/admin/policy/{principal}");
    read_guard(&st, &headers, &path)?;
    validate_principal(&principal).map_err(IntoResponse::into_response)?;
    Ok(match st.policy.read(|p| p.acl_entry(&principal).cloned()) {
        Some(entry) => json_resp(
            StatusCode::OK,
            &json!({"principal": principal, "acl": entry}),
        ),
        None => GateBody::error(StatusCode::NOT_FOUND, "principal_not_found")
            .field("principal", &principal)
            .into_response(),
    })
}

/// `POST /v1/admin/policy/grant` → `{allowed_sinks, granted, principal, total_actions}`.
/// Every action must be registered (400 `unknown_action`, checked in body order).
pub async fn grant(
    State(st): State<Arc<GateState>>,
    headers: HeaderMap,
    Json(body): Json<GrantRevokeBody>,
) -> Answer {
    let op = checked_write(&st, &headers, "POST", "/v1/admin/policy/grant", || {
        validate_request(&body)
    })?;
    let reg = registry(&st);
    for a in &body.actions {
        validate_action_id(a).map_err(IntoResponse::into_response)?;
        if !reg.contains_key(a) {
            return Err(GateBody::error(StatusCode::BAD_REQUEST, "unknown_action")
                .field("action_id", a)
                .into_response());
        }
    }
    let g = st
        .policy
        .edit(|p| edits::grant(p, &body.principal, &body.actions, &reg));
    let detail = format!(
        "principal={} actions={} total={}",
        body.principal,
        body.actions.join(","),
        g.total_actions
    );
    record_admin(&st, EventType::PolicyGrant, &op.operator_id, Some(detail));
    Ok(json_resp(
        StatusCode::OK,
        &json!({
            "principal": body.principal,
            "granted": body.actions,
            "total_actions": g.total_actions,
            "allowed_sinks": g.allowed_sinks,
        }),
    ))
}

/// `POST /v1/admin/policy/revoke` →
/// `{allowed_sinks, principal, principal_removed, remaining_actions, revoked}`.
/// Action ids are syntax-checked only; an unknown principal answers 200 with nothing changed.
pub async fn revoke(
    State(st): State<Arc<GateState>>,
    headers: HeaderMap,
    Json(body): Json<GrantRevokeBody>,
) -> Answer {
    let op = checked_write(&st, &headers, "POST", "/v1/admin/policy/revoke", || {
        validate_request(&body)
    })?;
    body.actions
        .iter()
        .try_for_each(|a| validate_action_id(a))
        .map_err(IntoResponse::into_response)?;
    let reg = registry(&st);
    let r = st
        .policy
        .edit(|p| edits::revoke(p, &body.principal, &body.actions, &reg));
    let detail = format!(
        "principal={} actions={} remaining={}",
        body.principal,
        body.actions.join(","),
        r.remaining_actions
    );
    record_admin(&st, EventType::PolicyRevoke, &op.operator_id, Some(detail));
    Ok(json_resp(
        StatusCode::OK,
        &json!({
            "principal": body.principal,
            "revoked": body.actions,
            "remaining_actions": r.remaining_actions,
            "allowed_sinks": r.allowed_sinks,
            "principal_removed": r.remaining_actions == 0 && r.modified,
        }),
    ))
}
