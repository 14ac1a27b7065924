//! Pipeline errors and their wire form (the gate's `PipelineError` mapping).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::body::{sanitize, GateBody};
use crate::enforce::authenticate::AuthFailure;

/// A pipeline failure (execute, approve, deny).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineError {
    /// Authentication.
    Auth(AuthFailure),
    /// Execute rate limit → 429 `rate_limited`, `retry-after: 1`.
    RateLimited,
    /// Operator write limiter on approve/deny → 429 `operator_throttled`, `retry-after: 2`.
    Throttled,
    /// Draining → 503.
    Draining,
    /// Unknown action (or approval) → 404 `action_not_found`.
    ActionNotFound,
    /// Body/schema/limits → 422 `schema_violation`.
    Schema(String),
    /// Policy denial → 403 `policy_denied` with reason/principal/action/remediation.
    PolicyDenied {
        /// Reason, already sanitized (≤ 500 bytes, no control characters) where it was made.
        reason: String,
        /// Principal.
        principal: String,
        /// Action.
        action_id: String,
    },
    /// 202 pending approval.
    Approval {
        /// Approval id.
        approval_id: String,
        /// `sha256:` request hash.
        request_hash: String,
        /// Trace id.
        trace_id: String,
    },
    /// Debit lost a race → 403 `budget_exhausted`.
    BudgetExhausted,
    /// Budget row missing/expired → 403 `budget_session_not_found`.
    BudgetSessionNotFound,
    /// Provider failure → 502 `action_execution_failed`.
    Provider(String),
    /// → 500 `internal_error`.
    Internal(String),
    /// Plan integrity (e.g. expired plan) → 500 `internal_error`.
    PlanIntegrity(&'static str),
    /// Grant integrity at dispatch (e.g. a high-risk action failed verification) → 500
    /// `internal_error`.
    GrantIntegrity(&'static str),
    /// Claim conflict → 409 `conflict`.
    Conflict,
    /// Operator input → 400 `bad_request` with `deny_reason`.
    BadRequest(String),
    /// Policy evaluation failed → 503 `policy_engine_unavailable`.
    PolicyUnavailable(String),
    /// The policy's decision has not the expected shape → 503 `policy_engine_invalid_response`.
    PolicyInvalid(String),
}

impl std::fmt::Display for PipelineError {
    /// The text stored as an approval's failure reason (the gate's error Display).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Auth(a) => write!(f, "auth: {a:?}"),
            Self::RateLimited => f.write_str("execute rate limit exceeded"),
            Self::Throttled => f.write_str("operator rate limited: operator_write"),
            Self::Draining => f.write_str("gate is draining — not accepting new requests"),
            Self::ActionNotFound => f.write_str("action not found"),
            Self::Schema(r) => write!(f, "schema: {r}"),
            Self::PolicyDenied { reason, .. } => write!(f, "policy: policy denied: {reason}"),
            Self::Approval { approval_id, .. } => write!(f, "pending approval: {approval_id}"),
            Self::BudgetExhausted => f.write_str("budget: budget exhausted: no calls remaining"),
            Self::BudgetSessionNotFound => f.write_str("budget: session budget not initialised"),
            Self::Provider(m) => write!(f, "provider: {m}"),
            Self::Internal(m) => write!(f, "internal: {m}"),
            Self::PlanIntegrity(r) => write!(f, "plan integrity: {r}"),
            Self::GrantIntegrity(r) => write!(f, "grant integrity: {r}"),
            Self::Conflict => {
                f.write_str("conflict: approval already claimed — execution in progress")
            }
            Self::BadRequest(r) => write!(f, "bad request: {r}"),
            Self::PolicyUnavailable(m) => write!(f, "policy: policy engine unreachable: {m}"),
            Self::PolicyInvalid(m) => {
                write!(f, "policy: policy engine returned unexpected response: {m}")
            }
        }
    }
}

/// Wire form of an authentication failure on the execute/approve/deny surface.
pub fn auth_body(a: &AuthFailure) -> GateBody {
    let u = StatusCode::UNAUTHORIZED;
    match a {
        AuthFailure::MissingHeader => GateBody::error(u, "missing_auth_header"),
        AuthFailure::InvalidLease(_) => GateBody::error(u, "invalid_lease"),
        AuthFailure::LeaseExpired => GateBody::error(u, "lease_expired"),
        AuthFailure::InvalidDpop(r) => {
            GateBody::error(u, "invalid_dpop").field("deny_reason", &sanitize(&r.reason, 300))
        }
        AuthFailure::Replay => GateBody::error(u, "replay_detected"),
        AuthFailure::ReplayUnavailable => {
            GateBody::error(StatusCode::SERVICE_UNAVAILABLE, "replay_cache_unavailable")
        }
        AuthFailure::InvalidAuthScheme => GateBody::error(u, "invalid_auth_scheme"),
        AuthFailure::InvalidOperatorToken => GateBody::error(u, "invalid_operator_token"),
        AuthFailure::MissingDpopHeader => GateBody::error(u, "missing_dpop_header"),
        AuthFailure::KeyBindingFailed => GateBody::error(u, "key_binding_failed").field(
            "deny_reason",
            "DPoP proof thumbprint does not match configured dpop_jkt",
        ),
    }
}

impl PipelineError {
    /// The gate's body for this error.
    pub fn body(&self) -> GateBody {
        match self {
            Self::Auth(a) => auth_body(a),
            Self::RateLimited => GateBody::error(StatusCode::TOO_MANY_REQUESTS, "rate_limited")
                .header("retry-after", "1"),
            Self::Throttled => GateBody::error(StatusCode::TOO_MANY_REQUESTS, "operator_throttled")
                .header("retry-after", "2"),
            Self::Draining => GateBody::error(StatusCode::SERVICE_UNAVAILABLE, "draining"),
            Self::ActionNotFound => GateBody::error(StatusCode::NOT_FOUND, "action_not_found"),
            Self::Schema(_) => {
                GateBody::error(StatusCode::UNPROCESSABLE_ENTITY, "schema_violation")
            }
            Self::PolicyDenied {
                reason,
                principal,
                action_id,
            } => GateBody::error(StatusCode::FORBIDDEN, "policy_denied")
                .field("deny_reason", reason)
                .field("principal", principal)
                .field("action_id", action_id)
                .field(
                    "remediation",
                    &format!("Run: latchgate policy grant {principal} {action_id}"),
                ),
            Self::Approval {
                approval_id,
                request_hash,
                trace_id,
            } => GateBody::with_key(StatusCode::ACCEPTED, "decision", "pending_approval")
                .field("approval_id", approval_id)
                .field("request_hash", request_hash)
                .field("trace_id", trace_id),
            Self::BudgetExhausted => GateBody::error(StatusCode::FORBIDDEN, "budget_exhausted"),
            Self::BudgetSessionNotFound => {
                GateBody::error(StatusCode::FORBIDDEN, "budget_session_not_found")
            }
            Self::Provider(_) => {
                GateBody::error(StatusCode::BAD_GATEWAY, "action_execution_failed")
            }
            Self::Internal(_) | Self::PlanIntegrity(_) | Self::GrantIntegrity(_) => {
                GateBody::error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
            }
            Self::Conflict => GateBody::error(StatusCode::CONFLICT, "conflict"),
            Self::BadRequest(r) => {
                GateBody::error(StatusCode::BAD_REQUEST, "bad_request").field("deny_reason", r)
            }
            Self::PolicyUnavailable(_) => {
                GateBody::error(StatusCode::SERVICE_UNAVAILABLE, "policy_engine_unavailable")
            }
            Self::PolicyInvalid(_) => GateBody::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "policy_engine_invalid_response",
            ),
        }
    }
}

impl IntoResponse for PipelineError {
    fn into_response(self) -> Response {
        self.body().into_response()
    }
}
