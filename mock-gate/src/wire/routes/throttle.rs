//! The operator rate limiters as the real handlers apply them: one gate-wide read bucket and
//! one write bucket, checked after operator authentication.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::body::GateBody;
use crate::state::ratelimit::RateLimiter;
use crate::state::GateState;

/// One token of a gate-wide bucket (key ""), else 429 `{"error":"rate_limit_exceeded"}`.
#[allow(clippy::result_large_err)]
fn take(bucket: &RateLimiter) -> Result<(), Response> {
    if bucket.check("") {
        Ok(())
    } else {
        Err(GateBody::error(StatusCode::TOO_MANY_REQUESTS, "rate_limit_exceeded").into_response())
    }
}

/// Read bucket (status, epoch, receipt keys, approvals list/detail, audit, admin CRUD reads):
/// 429 `{"error":"rate_limit_exceeded"}`, no `Retry-After`.
#[allow(clippy::result_large_err)]
pub fn operator_read(st: &GateState) -> Result<(), Response> {
    take(&st.limiters.operator_read)
}

/// Write bucket for domain, path and policy mutations, which take it even in dev mode.
#[allow(clippy::result_large_err)]
pub fn operator_write(st: &GateState) -> Result<(), Response> {
    take(&st.limiters.operator_write)
}

/// Write bucket for revoke-all, drain and reload: skipped in dev mode.
#[allow(clippy::result_large_err)]
pub fn operator_write_unless_dev(st: &GateState) -> Result<(), Response> {
    if st.settings.dev_mode {
        Ok(())
    } else {
        operator_write(st)
    }
}

/// Approve and deny: skipped in dev mode; over the limit 429 `{"error":"operator_throttled"}`
/// with `Retry-After: 2`.
pub fn approval_write_allowed(st: &GateState) -> bool {
    st.settings.dev_mode || st.limiters.operator_write.check("")
}
