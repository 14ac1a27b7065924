//! `POST/DELETE /v1/admin/policy/allowlist` `{action_id, agent_id}`: the explicit
//! `data.latchgate.allowlist` entries that let a principal skip the approval hold (every deny
//! rule still applies). Answer `{action_id, agent_id, ok:true}` (sorted keys).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::body::{json as json_resp, GateBody};
use crate::policy::edits;
use crate::state::audit::{record_admin, EventType};
use crate::state::GateState;

use crate::wire::routes::admin::{checked_write, Answer};

const PATH: &str = "/v1/admin/policy/allowlist";
const MAX_ID_LEN: usize = 128;

/// Allowlist body.
#[derive(Debug, Deserialize)]
pub struct AllowlistBody {
    action_id: String,
    agent_id: String,
}

fn validate_id(id: &str, label: &str) -> Result<(), GateBody> {
    let bad = |detail: String| {
        Err(GateBody::error(StatusCode::BAD_REQUEST, "invalid_input").field("detail", &detail))
    };
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return bad(format!("{label} must be 1-{MAX_ID_LEN} characters"));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':'))
    {
        return bad(format!("{label} must contain only [a-zA-Z0-9_-:]"));
    }
    Ok(())
}

fn validate(b: &AllowlistBody) -> Result<(), GateBody> {
    validate_id(&b.action_id, "action_id")?;
    validate_id(&b.agent_id, "agent_id")
}

/// `POST`: the action must be registered (404 `action_not_found` + `action_id`).
/// `DELETE`: an absent pair is 404 `allowlist_entry_not_found` with a `detail`.
pub async fn edit(
    method: Method,
    State(st): State<Arc<GateState>>,
    headers: HeaderMap,
    Json(body): Json<AllowlistBody>,
) -> Answer {
    let op = checked_write(&st, &headers, method.as_str(), PATH, || validate(&body))?;
    let event = if method == Method::POST {
        add(&st, &body)?;
        EventType::PolicyAllowlistAdded
    } else {
        remove(&st, &body)?;
        EventType::PolicyAllowlistRemoved
    };
    let detail = format!("action_id={} agent_id={}", body.action_id, body.agent_id);
    record_admin(&st, event, &op.operator_id, Some(detail));
    Ok(json_resp(
        StatusCode::OK,
        &json!({"ok": true, "action_id": body.action_id, "agent_id": body.agent_id}),
    ))
}

#[allow(clippy::result_large_err)]
fn add(st: &GateState, b: &AllowlistBody) -> Result<(), Response> {
    if st.action(&b.action_id).is_none() {
        return Err(GateBody::error(StatusCode::NOT_FOUND, "action_not_found")
            .field("action_id", &b.action_id)
            .into_response());
    }
    st.policy
        .edit(|p| edits::allowlist_add(p, &b.action_id, &b.agent_id));
    Ok(())
}

#[allow(clippy::result_large_err)]
fn remove(st: &GateState, b: &AllowlistBody) -> Result<(), Response> {
    let removed = st
        .policy
        .edit(|p| edits::allowlist_remove(p, &b.action_id, &b.agent_id));
    if removed {
        return Ok(());
    }
    let detail = format!(
        "no allowlist entry for action_id={} agent_id={}",
        b.action_id, b.agent_id
    );
    Err(
        GateBody::error(StatusCode::NOT_FOUND, "allowlist_entry_not_found")
            .field("detail", &detail)
            .into_response(),
    )
}
