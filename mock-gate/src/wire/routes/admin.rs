//! Operator admin routes: receipts, receipt keys, status, drain, revoke-all, epoch, reload,
//! metrics. Every auth failure collapses to 401 `{"error":"unauthorized"}`.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::body::{json as json_resp, GateBody};
use crate::enforce::authenticate::{authenticate_operator, OperatorAuth};
use crate::state::audit::{record_admin, EventType};
use crate::state::GateState;

use super::throttle::{operator_read, operator_write, operator_write_unless_dev};

#[allow(clippy::result_large_err)]
pub(crate) fn guard(
    st: &GateState,
    headers: &HeaderMap,
    method: &str,
    path: &str,
) -> Result<OperatorAuth, Response> {
    authenticate_operator(st, headers, method, path)
        .map_err(|_| GateBody::error(StatusCode::UNAUTHORIZED, "unauthorized").into_response())
}

/// A handler's answer: a refusal is the `Err` side, so the checks chain with `?`.
pub type Answer = Result<Response, Response>;

/// Operator auth, then `throttle` (the gate authenticates before it takes a token).
#[allow(clippy::result_large_err)]
fn throttled_guard(
    st: &GateState,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    throttle: fn(&GateState) -> Result<(), Response>,
) -> Result<OperatorAuth, Response> {
    let op = guard(st, headers, method, path)?;
    throttle(st)?;
    Ok(op)
}

/// Operator auth, then a token of the read bucket (the gate's order on admin reads).
#[allow(clippy::result_large_err)]
pub fn read_guard(
    st: &GateState,
    headers: &HeaderMap,
    path: &str,
) -> Result<OperatorAuth, Response> {
    throttled_guard(st, headers, "GET", path, operator_read)
}

/// Operator auth, then a token of the write bucket, taken in dev mode too (domain, path and
/// policy mutations), then the body's checks: the gate authenticates and throttles before it
/// looks at the body.
#[allow(clippy::result_large_err)]
pub fn checked_write(
    st: &GateState,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    check: impl FnOnce() -> Result<(), GateBody>,
) -> Result<OperatorAuth, Response> {
    let op = throttled_guard(st, headers, method, path, operator_write)?;
    check().map_err(IntoResponse::into_response)?;
    Ok(op)
}

/// Operator auth, then a write token unless the gate is in dev mode (revoke-all, drain,
/// reload).
#[allow(clippy::result_large_err)]
fn write_guard_unless_dev(
    st: &GateState,
    headers: &HeaderMap,
    path: &str,
) -> Result<OperatorAuth, Response> {
    throttled_guard(st, headers, "POST", path, operator_write_unless_dev)
}

/// `GET /v1/receipts/{id}` on the admin listener.
pub async fn receipt(
    State(st): State<Arc<GateState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    guard(&st, &headers, "GET", &format!("/v1/receipts/{id}"))?;
    Ok(super::client::lookup_receipt(&st, &id))
}

/// `GET /v1/receipt-keys`.
pub async fn receipt_keys(State(st): State<Arc<GateState>>, headers: HeaderMap) -> Answer {
    let op = read_guard(&st, &headers, "/v1/receipt-keys")?;
    record_admin(&st, EventType::AdminReceiptKeysRead, &op.operator_id, None);
    Ok(json_resp(
        StatusCode::OK,
        &json!({"keys": [st.signer.key_entry()]}),
    ))
}

/// `GET /v1/admin/status`.
pub async fn status(State(st): State<Arc<GateState>>, headers: HeaderMap) -> Answer {
    read_guard(&st, &headers, "/v1/admin/status")?;
    let draining = st.is_draining();
    Ok(json_resp(
        StatusCode::OK,
        &json!({
            "status": if draining { "draining" } else { "ok" },
            "version": st.settings.version,
            "uptime_seconds": st.started.elapsed().as_secs(),
            "actions_registered": st.registry.read().unwrap_or_else(|e| e.into_inner()).len(),
            "pending_approvals": st.approvals.count(crate::state::approvals::ApprovalState::Pending).min(1000),
            "revocation_epoch": st.epoch.load(Ordering::Acquire),
            "draining": draining,
            "in_flight_executions": st.in_flight.load(Ordering::Acquire),
            "dependencies": {"redis": true, "opa": true},
            "webhooks": {"active": false, "pending_deliveries": 0},
        }),
    ))
}

/// `POST /v1/admin/drain` (irreversible).
pub async fn drain(State(st): State<Arc<GateState>>, headers: HeaderMap) -> Answer {
    let op = write_guard_unless_dev(&st, &headers, "/v1/admin/drain")?;
    let was_draining = st.draining.swap(true, Ordering::AcqRel);
    let in_flight = st.in_flight.load(Ordering::Acquire);
    let detail = format!(
        "drain initiated, in_flight={in_flight}, was_first={}",
        !was_draining
    );
    record_admin(&st, EventType::AdminDrain, &op.operator_id, Some(detail));
    Ok(json_resp(
        StatusCode::OK,
        &json!({
            "draining": true,
            "already_draining": was_draining,
            "in_flight_executions": st.in_flight.load(Ordering::Acquire),
        }),
    ))
}

/// `POST /v1/admin/revoke-all` (bumps the grant epoch; leases are unaffected).
pub async fn revoke_all(State(st): State<Arc<GateState>>, headers: HeaderMap) -> Answer {
    let op = write_guard_unless_dev(&st, &headers, "/v1/admin/revoke-all")?;
    let old = st.epoch.fetch_add(1, Ordering::AcqRel);
    let detail = format!("epoch {old} => {}", old + 1);
    record_admin(
        &st,
        EventType::AdminRevokeAll,
        &op.operator_id,
        Some(detail),
    );
    Ok(json_resp(
        StatusCode::OK,
        &json!({"previous_epoch": old, "current_epoch": old + 1}),
    ))
}

/// `GET /v1/admin/epoch`.
pub async fn epoch(State(st): State<Arc<GateState>>, headers: HeaderMap) -> Answer {
    let op = read_guard(&st, &headers, "/v1/admin/epoch")?;
    record_admin(&st, EventType::AdminEpochRead, &op.operator_id, None);
    Ok(json_resp(
        StatusCode::OK,
        &json!({"current_epoch": st.epoch.load(Ordering::Acquire)}),
    ))
}

/// `POST /v1/admin/reload`: re-reads the actions dir and policy file the gate was started
/// with (in-memory registrations stay when there is no dir).
pub async fn reload(State(st): State<Arc<GateState>>, headers: HeaderMap) -> Answer {
    let op = write_guard_unless_dev(&st, &headers, "/v1/admin/reload")?;
    if let Err(e) = st.reload_from_sources() {
        return Err(
            GateBody::error(StatusCode::INTERNAL_SERVER_ERROR, "reload_failed")
                .field("detail", &e)
                .into_response(),
        );
    }
    let actions = st.registry.read().unwrap_or_else(|e| e.into_inner()).len();
    let policy_version = st.policy.read(|p| p.policy_version().to_string());
    let detail = format!("actions={actions} policy={policy_version}");
    record_admin(&st, EventType::AdminReload, &op.operator_id, Some(detail));
    Ok(json_resp(
        StatusCode::OK,
        &json!({
            "ok": true,
            "actions": actions,
            "policy_version": policy_version,
            "reloaded_at": st.now_rfc3339_nanos(),
        }),
    ))
}

/// `GET /metrics` (OpenMetrics text).
pub async fn metrics(State(st): State<Arc<GateState>>, headers: HeaderMap) -> Answer {
    guard(&st, &headers, "GET", "/metrics")?;
    let mut resp = (StatusCode::OK, st.metrics.render(st.clock.now_unix())).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    Ok(resp)
}
