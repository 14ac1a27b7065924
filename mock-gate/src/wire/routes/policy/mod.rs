//! `/v1/admin/policy`, `/v1/admin/policy/{principal}`, `/v1/admin/policy/{grant,revoke}`;
//! [`allowlist`] holds `/v1/admin/policy/allowlist`.
//!
//! Order on every route: extractor → operator auth (401 `unauthorized`) → operator limiter →
//! input checks → edit. Bodies are `serde_json::Value` maps on the gate (sorted keys).

pub mod allowlist;

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
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

/// The two edits of `POST /v1/admin/policy/{grant,revoke}`, served by one handler ([`route`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclEdit {
    /// `/grant` → `{allowed_sinks, granted, principal, total_actions}`. Every action must be
    /// registered (400 `unknown_action`, checked in body order).
    Grant,
    /// `/revoke` → `{allowed_sinks, principal, principal_removed, remaining_actions, revoked}`.
    /// Action ids are syntax-checked only; an unknown principal answers 200 with nothing changed.
    Revoke,
}

impl AclEdit {
    fn path(self) -> &'static str {
        match self {
            Self::Grant => "/v1/admin/policy/grant",
            Self::Revoke => "/v1/admin/policy/revoke",
        }
    }

    /// The action checks after the body's: grant's need the registry, revoke's the syntax only.
    #[allow(clippy::result_large_err)]
    fn check_actions(self, actions: &[String], reg: &Registry) -> Result<(), Response> {
        for a in actions {
            validate_action_id(a).map_err(IntoResponse::into_response)?;
            if self == Self::Grant && !reg.contains_key(a) {
                return Err(GateBody::error(StatusCode::BAD_REQUEST, "unknown_action")
                    .field("action_id", a)
                    .into_response());
            }
        }
        Ok(())
    }
}

/// The `POST` route of one edit.
pub fn route(edit: AclEdit) -> MethodRouter<Arc<GateState>> {
    post(
        move |State(st): State<Arc<GateState>>,
              headers: HeaderMap,
              Json(body): Json<GrantRevokeBody>| async move { apply(edit, &st, &headers, body) },
    )
}

#[allow(clippy::result_large_err)]
fn apply(edit: AclEdit, st: &GateState, headers: &HeaderMap, body: GrantRevokeBody) -> Answer {
    let op = checked_write(st, headers, "POST", edit.path(), || validate_request(&body))?;
    let reg = registry(st);
    edit.check_actions(&body.actions, &reg)?;
    let change = st.policy.edit(|p| match edit {
        AclEdit::Grant => edits::grant(p, &body.principal, &body.actions, &reg),
        AclEdit::Revoke => edits::revoke(p, &body.principal, &body.actions, &reg),
    });
    let (event, listed_as, count_key, count_label) = match edit {
        AclEdit::Grant => (EventType::PolicyGrant, "granted", "total_actions", "total"),
        AclEdit::Revoke => (
            EventType::PolicyRevoke,
            "revoked",
            "remaining_actions",
            "remaining",
        ),
    };
    let detail = format!(
        "principal={} actions={} {count_label}={}",
        body.principal,
        body.actions.join(","),
        change.actions
    );
    record_admin(st, event, &op.operator_id, Some(detail));
    let mut answer = json!({"principal": body.principal, "allowed_sinks": change.allowed_sinks});
    answer[listed_as] = json!(body.actions);
    answer[count_key] = json!(change.actions);
    if edit == AclEdit::Revoke {
        answer["principal_removed"] = json!(change.actions == 0 && change.modified);
    }
    Ok(json_resp(StatusCode::OK, &answer))
}
