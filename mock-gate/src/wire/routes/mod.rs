//! Routers (client, admin = client + operator routes + control API) and the middleware that
//! journals every request and applies faults.

pub mod admin;
pub mod approvals;
pub mod audit;
pub mod client;
pub mod control;
pub mod crud;
pub mod domains_paths;
pub mod leases;
pub mod policy;
pub mod throttle;

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use http_body_util::BodyExt;

use crate::body::GateBody;
use crate::control::faults::{error_status, Endpoint, FaultAction};
use crate::control::journal::JournalEntry;
use crate::control::mutants::Mutant;
use crate::state::GateState;
use crate::wire::server::{DropConnection, Peer};

/// The gate's transport body limit.
pub const MAX_REQUEST_BODY_BYTES: usize = 1_048_576;

fn shared_routes(st: &Arc<GateState>) -> Router<Arc<GateState>> {
    let lease = if st.settings.switches.has(Mutant::AcceptUnknownLeaseFields) {
        post(leases::issue::<leases::LaxLeaseRequest>)
    } else {
        post(leases::issue::<leases::LeaseRequest>)
    };
    Router::new()
        .route("/healthz", get(client::healthz))
        .route("/readyz", get(client::readyz))
        .route("/v1/leases", lease)
        .route("/.well-known/jwks.json", get(leases::jwks))
        .route("/v1/actions", get(client::list_actions))
        .route("/v1/actions/{action_id}", get(client::get_action))
        .route(
            "/v1/actions/{action_id}/schema/request",
            get(client::get_schema),
        )
        .route("/v1/actions/{action_id}/execute", post(client::execute))
        .route("/v1/approvals/{approval_id}/poll", get(client::poll))
}

/// Routes of the client listener.
pub fn client_router(st: Arc<GateState>) -> Router {
    let r = shared_routes(&st).route("/v1/receipts/{receipt_id}", get(client::receipt_agent));
    finish(r, st)
}

/// Routes of the admin listener (client routes, operator routes, `/_mock/`).
pub fn admin_router(st: Arc<GateState>) -> Router {
    let r = shared_routes(&st)
        .route("/v1/receipts/{receipt_id}", get(admin::receipt))
        .route("/v1/approvals", get(approvals::list))
        .route("/v1/approvals/{approval_id}", get(approvals::detail))
        .route(
            "/v1/approvals/{approval_id}/approve",
            post(approvals::approve),
        )
        .route("/v1/approvals/{approval_id}/deny", post(approvals::deny))
        .route("/metrics", get(admin::metrics))
        .route("/v1/admin/revoke-all", post(admin::revoke_all))
        .route("/v1/admin/epoch", get(admin::epoch))
        .route("/v1/admin/status", get(admin::status))
        .route("/v1/admin/drain", post(admin::drain))
        .route("/v1/admin/reload", post(admin::reload))
        .route("/v1/receipt-keys", get(admin::receipt_keys))
        .merge(admin_crud_routes())
        .route("/v1/audit/events", get(audit::events))
        .route("/v1/audit/verify", get(audit::verify_chain))
        .merge(control_routes(&st));
    finish(r, st)
}

/// The `/_mock/` control API, behind the control token (see `control::access`).
fn control_routes(st: &Arc<GateState>) -> Router<Arc<GateState>> {
    Router::new()
        .route(
            "/_mock/journal",
            get(control::journal).delete(control::clear_journal),
        )
        .route(
            "/_mock/clock",
            get(control::get_clock).post(control::set_clock),
        )
        .route(
            "/_mock/faults",
            get(control::get_faults)
                .post(control::add_fault)
                .delete(control::clear_faults),
        )
        .route("/_mock/lease-ttl", post(control::lease_ttl))
        .route("/_mock/reset", post(control::reset))
        .route(
            "/_mock/actions",
            get(control::list_actions).post(control::add_action),
        )
        .route("/_mock/actions/{action_id}", delete(control::remove_action))
        .route("/_mock/policy/grant", post(control::grant))
        .route("/_mock/operator", get(control::operator))
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(st),
            control::guard,
        ))
}

/// Learned domains/paths and policy editing.
fn admin_crud_routes() -> Router<Arc<GateState>> {
    use domains_paths::{Domains, Paths};
    use policy::AclEdit;
    Router::new()
        .merge(crud::routes::<Domains>())
        .merge(crud::routes::<Paths>())
        .route("/v1/admin/policy", get(policy::show))
        .route("/v1/admin/policy/{principal}", get(policy::show_principal))
        .route("/v1/admin/policy/grant", policy::route(AclEdit::Grant))
        .route("/v1/admin/policy/revoke", policy::route(AclEdit::Revoke))
        .route(
            "/v1/admin/policy/allowlist",
            post(policy::allowlist::edit).delete(policy::allowlist::edit),
        )
}

fn finish(r: Router<Arc<GateState>>, st: Arc<GateState>) -> Router {
    r.layer(DefaultBodyLimit::max(MAX_REQUEST_BODY_BYTES))
        .layer(middleware::from_fn_with_state(Arc::clone(&st), observe))
        .with_state(st)
}

fn fault_response(action: &FaultAction, method: &str, path: &str) -> Option<Response> {
    match action {
        FaultAction::Error { code, fields } => {
            let (status, header) = error_status(code)?;
            let status = StatusCode::from_u16(status).ok()?;
            if Endpoint::empty_error_bodies(method, path) {
                return Some(status.into_response());
            }
            let mut b = GateBody::error(status, code);
            for (k, v) in fields {
                b = b.field(k, v);
            }
            if let Some((k, v)) = header {
                b = b.header(k, v);
            }
            Some(b.into_response())
        }
        FaultAction::Raw {
            status,
            headers,
            body,
        } => {
            let mut resp = Response::new(Body::from(body.clone()));
            *resp.status_mut() =
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            for (k, v) in headers {
                if let (Ok(k), Ok(v)) = (
                    HeaderName::try_from(k.as_str()),
                    HeaderValue::try_from(v.as_str()),
                ) {
                    resp.headers_mut().append(k, v);
                }
            }
            Some(resp)
        }
        _ => None,
    }
}

async fn observe(State(st): State<Arc<GateState>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/_mock/") {
        return next.run(req).await;
    }
    let method = req.method().as_str().to_string();
    let path_q = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or(path.clone());
    let listener = req
        .extensions()
        .get::<Peer>()
        .map(|p| p.listener.as_str())
        .unwrap_or("client")
        .to_string();
    let at = st.now_ms();
    let (parts, body) = req.into_parts();
    let bytes = buffer_body(&parts.headers, body).await;
    let mut entry = Entry {
        listener,
        method,
        path: path_q,
        headers: header_pairs(&parts.headers),
        body: bytes
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default(),
        at,
        fault: None,
    };
    let Some(bytes) = bytes else {
        let resp = (
            StatusCode::PAYLOAD_TOO_LARGE,
            "Failed to buffer the request body: length limit exceeded",
        )
            .into_response();
        return record(&st, resp, entry).await;
    };
    let rebuilt = Request::from_parts(parts, Body::from(bytes));
    let fault = st.faults.take(&entry.method, &path);
    entry.fault = fault.as_ref().map(|f| format!("{f:?}"));
    let resp = answer(fault.as_ref(), &entry.method, &path, rebuilt, next).await;
    record(&st, resp, entry).await
}

/// The whole body, or `None` when it is (or declares to be) over the transport limit.
async fn buffer_body(headers: &http::HeaderMap, body: Body) -> Option<Bytes> {
    let declared = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST_BODY_BYTES as u64) {
        return None;
    }
    http_body_util::Limited::new(body, MAX_REQUEST_BODY_BYTES)
        .collect()
        .await
        .ok()
        .map(|c| c.to_bytes())
}

fn header_pairs(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The answer to a request under the fault armed for it, if any.
async fn answer(
    fault: Option<&FaultAction>,
    method: &str,
    path: &str,
    req: Request,
    next: Next,
) -> Response {
    match fault {
        Some(a @ (FaultAction::Error { .. } | FaultAction::Raw { .. })) => {
            fault_response(a, method, path).unwrap_or_else(next_placeholder)
        }
        Some(FaultAction::Delay { ms }) => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
            next.run(req).await
        }
        Some(FaultAction::DropBeforeEffect) => {
            let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            r.extensions_mut().insert(DropConnection);
            r
        }
        Some(FaultAction::DropAfterEffect) => {
            let mut r = next.run(req).await;
            r.extensions_mut().insert(DropConnection);
            r
        }
        None => next.run(req).await,
    }
}

fn next_placeholder() -> Response {
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

struct Entry {
    listener: String,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
    at: i64,
    fault: Option<String>,
}

async fn record(st: &GateState, resp: Response, e: Entry) -> Response {
    let (parts, body) = resp.into_parts();
    let bytes: Bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    tracing::info!(listener = %e.listener, method = %e.method, path = %e.path, status = parts.status.as_u16(), "request");
    // Only a body naming one of the members is parsed (most answers are 200s without them).
    let text = String::from_utf8_lossy(&bytes);
    let parsed: Option<serde_json::Value> =
        if text.contains("\"error\"") || text.contains("\"deny_reason\"") {
            serde_json::from_str(&text).ok()
        } else {
            None
        };
    let field = |k: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(k))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    st.journal.push(JournalEntry {
        seq: 0,
        listener: e.listener,
        method: e.method,
        path: e.path,
        headers: e.headers,
        body: e.body,
        dpop: None,
        status: parts.status.as_u16(),
        response_body: text.into_owned(),
        error: field("error"),
        deny_reason: field("deny_reason"),
        at_unix_ms: e.at,
        fault: e.fault,
    });
    Response::from_parts(parts, Body::from(bytes))
}
