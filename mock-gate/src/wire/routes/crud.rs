//! The gate's shared skeleton of the learned-entry admin routes (domains, paths):
//! extractor → operator auth (any failure → 401 `unauthorized`) → operator limiter (read for
//! GET, write for mutations, also in dev mode) → `action_id` → value → store.
//!
//! Bodies are `serde_json::Value` maps on the gate, so keys come out sorted.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::body::{json as json_resp, GateBody};
use crate::enforce::learning::{self, Provenance};
use crate::state::learned_rules::{Entry, EntrySource, LearnedKind};
use crate::state::GateState;

use crate::state::audit::{record_admin, EventType};

use super::admin::{checked_write, read_guard, Answer};

/// The gate's bound on action ids in admin requests.
const MAX_ACTION_ID_LEN: usize = 253;

/// `?action=` of the list routes.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    action: Option<String>,
}

/// `?action=` of the clear routes (required: a missing one is the extractor's 400 text).
#[derive(Debug, Deserialize)]
pub struct ClearQuery {
    action: String,
}

/// Add/remove body; the value member may be spelt `value`, `domain` or `path_glob` on both
/// resources, as the gate's shared body type accepts.
#[derive(Debug, Deserialize)]
pub struct MutateBody {
    action_id: String,
    #[serde(alias = "domain", alias = "path_glob")]
    value: String,
}

/// One learned-entry resource.
pub trait Resource: Send + Sync + 'static {
    /// Route base, also the signed htu path.
    const BASE: &'static str;
    /// Clear route (`BASE` + `/clear`).
    const CLEAR: &'static str;
    /// Member name of the value in bodies.
    const VALUE_KEY: &'static str;
    /// Member name of the list.
    const LIST_KEY: &'static str;
    /// Audit event of an add, a remove and a clear.
    const EVENTS: [EventType; 3];
    /// The value check of the route (400 body on failure).
    fn validate(value: &str) -> Result<(), GateBody>;
    /// The learned table behind it.
    const KIND: LearnedKind;
}

/// The gate's admin `action_id` rule.
pub fn validate_action_id(id: &str) -> Result<(), GateBody> {
    let bad = |detail| {
        Err(GateBody::error(StatusCode::BAD_REQUEST, "invalid_action_id").field("detail", detail))
    };
    if id.is_empty() || id.len() > MAX_ACTION_ID_LEN {
        return bad("action_id must be 1-253 characters");
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return bad("action_id must contain only [a-zA-Z0-9_-]");
    }
    Ok(())
}

fn ledger_error() -> Response {
    GateBody::error(StatusCode::INTERNAL_SERVER_ERROR, "ledger_error").into_response()
}

fn row<R: Resource>(e: Entry) -> Value {
    let mut m = Map::new();
    m.insert("action_id".into(), Value::String(e.action_id));
    m.insert(R::VALUE_KEY.into(), Value::String(e.value));
    m.insert("added_by".into(), Value::String(e.added_by));
    m.insert("added_at".into(), Value::String(e.added_at));
    m.insert("source".into(), Value::String(e.source.into()));
    m.insert("approval_id".into(), json!(e.approval_id));
    Value::Object(m)
}

fn outcome<R: Resource>(body: MutateBody, key: &str, flag: bool) -> Response {
    let mut m = Map::new();
    m.insert("action_id".into(), Value::String(body.action_id));
    m.insert(R::VALUE_KEY.into(), Value::String(body.value));
    m.insert(key.into(), Value::Bool(flag));
    json_resp(StatusCode::OK, &Value::Object(m))
}

/// `GET BASE[?action=]`.
pub async fn list<R: Resource>(
    State(st): State<Arc<GateState>>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Answer {
    read_guard(&st, &headers, R::BASE)?;
    if let Some(a) = &q.action {
        validate_action_id(a).map_err(IntoResponse::into_response)?;
    }
    let rows: Vec<Value> = st
        .learned
        .table(R::KIND)
        .list(q.action.as_deref())
        .into_iter()
        .map(row::<R>)
        .collect();
    let mut m = Map::new();
    m.insert(R::LIST_KEY.into(), Value::Array(rows));
    Ok(json_resp(StatusCode::OK, &Value::Object(m)))
}

fn validate_body<R: Resource>(body: &MutateBody) -> Result<(), GateBody> {
    validate_action_id(&body.action_id).and_then(|()| R::validate(&body.value))
}

/// `POST BASE` `{action_id, <value>}` → `{action_id, <value>, inserted}` (value echoed raw);
/// `DELETE BASE` `{action_id, <value>}` → `{action_id, <value>, deleted}`, the value matched as
/// sent (not normalized), as the gate's delete statement does.
pub async fn mutate<R: Resource>(
    method: Method,
    State(st): State<Arc<GateState>>,
    headers: HeaderMap,
    Json(body): Json<MutateBody>,
) -> Answer {
    let op = checked_write(&st, &headers, method.as_str(), R::BASE, || {
        validate_body::<R>(&body)
    })?;
    let (event, key, flag) = if method == Method::POST {
        let who = Provenance {
            added_by: &op.operator_id,
            source: EntrySource::Api,
            approval_id: None,
        };
        let inserted = learning::learn(&st, R::KIND, &body.action_id, &body.value, who)
            .map_err(|_| ledger_error())?;
        (R::EVENTS[0], "inserted", inserted)
    } else {
        let deleted = st
            .learned
            .table(R::KIND)
            .delete(&body.action_id, &body.value);
        (R::EVENTS[1], "deleted", deleted)
    };
    let detail = format!(
        "action={} {}={} {key}={flag}",
        body.action_id,
        R::VALUE_KEY,
        body.value
    );
    record_admin(&st, event, &op.operator_id, Some(detail));
    Ok(outcome::<R>(body, key, flag))
}

/// `DELETE BASE/clear?action=` → `{action_id, deleted_count}`.
pub async fn clear<R: Resource>(
    State(st): State<Arc<GateState>>,
    headers: HeaderMap,
    Query(q): Query<ClearQuery>,
) -> Answer {
    let op = checked_write(&st, &headers, "DELETE", R::CLEAR, || {
        validate_action_id(&q.action)
    })?;
    let deleted_count = st.learned.table(R::KIND).clear_action(&q.action);
    let detail = format!("action={} deleted_count={deleted_count}", q.action);
    record_admin(&st, R::EVENTS[2], &op.operator_id, Some(detail));
    Ok(json_resp(
        StatusCode::OK,
        &json!({"action_id": q.action, "deleted_count": deleted_count}),
    ))
}

/// The routes of one resource.
pub fn routes<R: Resource>() -> Router<Arc<GateState>> {
    Router::new()
        .route(
            R::BASE,
            get(list::<R>).post(mutate::<R>).delete(mutate::<R>),
        )
        .route(R::CLEAR, delete(clear::<R>))
}
