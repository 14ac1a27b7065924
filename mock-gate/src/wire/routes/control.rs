//! The control API under `/_mock/` (admin listener only): journal, clock, faults, lease TTL,
//! reset, actions, policy grants, operator credentials.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::actions::manifest::{ActionSpec, CompiledAction};
use crate::actions::providers::{CannedProvider, HttpProvider, Provider};
use crate::actions::{entry_with_default_provider, ActionEntry};
use crate::body::{json as json_resp, GateBody};
use crate::control::faults::FaultRule;
use crate::state::GateState;

/// Route layer of the `/_mock/` routes (who may: `control::access`): 401 `{"error":"control_token_required"}` without a
/// bearer token, 401 `{"error":"control_token_invalid"}` with a wrong one.
pub async fn guard(State(st): State<Arc<GateState>>, req: Request, next: Next) -> Response {
    match st.settings.control.admits(req.headers()) {
        Ok(()) => next.run(req).await,
        Err(code) => GateBody::error(StatusCode::UNAUTHORIZED, code)
            .header("www-authenticate", "Bearer")
            .into_response(),
    }
}

fn bad(msg: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": msg.into()}))).into_response()
}

/// `GET /_mock/journal`.
pub async fn journal(State(st): State<Arc<GateState>>) -> Response {
    json_resp(
        StatusCode::OK,
        &json!({"entries": st.journal.entries(), "dropped": st.journal.dropped()}),
    )
}

/// `DELETE /_mock/journal`.
pub async fn clear_journal(State(st): State<Arc<GateState>>) -> Response {
    st.journal.clear();
    StatusCode::NO_CONTENT.into_response()
}

/// Clock state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClockState {
    /// Virtual now (Unix ms).
    pub now_unix_ms: i64,
    /// Whether frozen.
    pub frozen: bool,
}

fn clock_state(st: &GateState) -> ClockState {
    ClockState {
        now_unix_ms: st.clock.now_unix_ms(),
        frozen: st.clock.is_frozen(),
    }
}

/// `GET /_mock/clock`.
pub async fn get_clock(State(st): State<Arc<GateState>>) -> Response {
    json_resp(StatusCode::OK, &clock_state(&st))
}

/// `POST /_mock/clock` body: any of `advance_ms` (may be negative), `set_unix_ms`, `freeze`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ClockCommand {
    /// Shift by this many ms.
    pub advance_ms: Option<i64>,
    /// Jump to this instant.
    pub set_unix_ms: Option<i64>,
    /// Freeze (true) or let run (false).
    pub freeze: Option<bool>,
}

/// `POST /_mock/clock`.
pub async fn set_clock(
    State(st): State<Arc<GateState>>,
    Json(cmd): Json<ClockCommand>,
) -> Response {
    if let Some(f) = cmd.freeze {
        if f {
            st.clock.freeze();
        } else {
            st.clock.unfreeze();
        }
    }
    if let Some(ms) = cmd.set_unix_ms {
        st.clock
            .set(std::time::UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64));
    }
    if let Some(d) = cmd.advance_ms {
        st.clock.shift_ms(d);
    }
    json_resp(StatusCode::OK, &clock_state(&st))
}

/// `GET /_mock/faults`.
pub async fn get_faults(State(st): State<Arc<GateState>>) -> Response {
    json_resp(StatusCode::OK, &json!({"faults": st.faults.rules()}))
}

/// `POST /_mock/faults` (a [`FaultRule`]).
pub async fn add_fault(State(st): State<Arc<GateState>>, Json(rule): Json<FaultRule>) -> Response {
    match st.faults.inject(rule) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => bad(e.to_string()),
    }
}

/// `DELETE /_mock/faults`.
pub async fn clear_faults(State(st): State<Arc<GateState>>) -> Response {
    st.faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_mock/lease-ttl` body.
#[derive(Debug, Serialize, Deserialize)]
pub struct LeaseTtlCommand {
    /// TTL of the next leases.
    pub ttl_secs: u64,
    /// How many leases.
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// `POST /_mock/lease-ttl`.
pub async fn lease_ttl(
    State(st): State<Arc<GateState>>,
    Json(cmd): Json<LeaseTtlCommand>,
) -> Response {
    st.faults.set_next_lease_ttl(cmd.ttl_secs, cmd.count);
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_mock/reset`.
pub async fn reset(State(st): State<Arc<GateState>>) -> Response {
    st.reset();
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /_mock/actions`.
pub async fn list_actions(State(st): State<Arc<GateState>>) -> Response {
    let reg = st.registry.read().unwrap_or_else(|e| e.into_inner());
    let specs: Vec<&ActionSpec> = reg.values().map(|e| &e.action.spec).collect();
    json_resp(StatusCode::OK, &json!({"actions": specs}))
}

/// `POST /_mock/actions` body: a manifest (YAML text or JSON object) and how it runs.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ActionCommand {
    /// Manifest as YAML text.
    pub manifest_yaml: Option<String>,
    /// Manifest as JSON.
    pub manifest: Option<Value>,
    /// Canned provider output (default: the digest's built-in provider).
    pub output: Option<Value>,
    /// `http` = perform real requests for `builtin:http_api`.
    pub provider: Option<String>,
}

/// `POST /_mock/actions` (adds or replaces).
pub async fn add_action(
    State(st): State<Arc<GateState>>,
    Json(cmd): Json<ActionCommand>,
) -> Response {
    let spec = match (&cmd.manifest_yaml, &cmd.manifest) {
        (Some(y), _) => ActionSpec::from_yaml(y).map_err(|e| e.to_string()),
        (None, Some(v)) => {
            serde_json::from_value::<ActionSpec>(v.clone()).map_err(|e| e.to_string())
        }
        (None, None) => Err("manifest_yaml or manifest is required".to_string()),
    };
    let compiled = match spec.and_then(|s| CompiledAction::compile(s).map_err(|e| e.to_string())) {
        Ok(c) => c,
        Err(e) => return bad(e),
    };
    let entry = match (&cmd.output, cmd.provider.as_deref()) {
        (Some(out), _) => ActionEntry {
            action: compiled,
            provider: Arc::new(CannedProvider(out.clone())) as Arc<dyn Provider>,
        },
        (None, Some("http")) => ActionEntry {
            action: compiled,
            provider: Arc::new(HttpProvider),
        },
        _ => entry_with_default_provider(compiled),
    };
    let id = entry.action.spec.action_id.clone();
    st.registry
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id.clone(), entry);
    json_resp(StatusCode::OK, &json!({"action_id": id}))
}

/// `DELETE /_mock/actions/{id}`.
pub async fn remove_action(State(st): State<Arc<GateState>>, Path(id): Path<String>) -> Response {
    let removed = st
        .registry
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&id)
        .is_some();
    if removed {
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

/// `POST /_mock/policy/grant` body.
#[derive(Debug, Serialize, Deserialize)]
pub struct GrantCommand {
    /// Principal.
    pub principal: String,
    /// Actions.
    #[serde(default)]
    pub actions: Vec<String>,
    /// Sinks.
    #[serde(default)]
    pub sinks: Vec<String>,
}

/// `POST /_mock/policy/grant`.
pub async fn grant(State(st): State<Arc<GateState>>, Json(cmd): Json<GrantCommand>) -> Response {
    let actions: Vec<&str> = cmd.actions.iter().map(String::as_str).collect();
    let sinks: Vec<&str> = cmd.sinks.iter().map(String::as_str).collect();
    let data = st.policy.edit(|p| {
        p.grant(&cmd.principal, &actions, &sinks);
        p.clone()
    });
    json_resp(StatusCode::OK, &data)
}

/// `GET /_mock/operator`: the operator credentials, with the private key only when the mock
/// generated it (never a key the user supplied).
pub async fn operator(State(st): State<Arc<GateState>>) -> Response {
    let mut ops = st.settings.operators.clone();
    if !st.settings.operator_generated {
        for o in &mut ops {
            o.private_key_pem = None;
        }
    }
    json_resp(StatusCode::OK, &json!({"operators": ops}))
}
