//! `GET /v1/audit/events` and `GET /v1/audit/verify` (admin listener): operator auth (every
//! failure collapses to 401 `{"error":"unauthorized"}`), then the operator read bucket. The query
//! string is extracted before either, so a malformed one answers axum's plain-text 400 even
//! without credentials.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::admin::read_guard;
use crate::body::json as json_resp;
use crate::state::audit::EventFilter;
use crate::state::GateState;

/// `GET /v1/audit/events?trace_id&event_type&action_id&principal&session_id&decision&after&before&limit`.
pub async fn events(
    State(st): State<Arc<GateState>>,
    headers: HeaderMap,
    Query(filter): Query<EventFilter>,
) -> Response {
    if let Err(r) = read_guard(&st, &headers, "/v1/audit/events") {
        return r;
    }
    json_resp(
        StatusCode::OK,
        &json!({ "events": st.audit.query(&filter) }),
    )
}

/// `GET /v1/audit/verify`.
pub async fn verify_chain(State(st): State<Arc<GateState>>, headers: HeaderMap) -> Response {
    if let Err(r) = read_guard(&st, &headers, "/v1/audit/verify") {
        return r;
    }
    let r = st.audit.verify_chain();
    json_resp(
        StatusCode::OK,
        &json!({
            "intact": r.broken_at.is_none(),
            "total_events": r.total_events,
            "verified_links": r.verified_links,
            "broken_at": r.broken_at,
        }),
    )
}
