//! SDK-CONTRACT §2: from a gate answer that is not a success to an [`Error`].

use serde_json::Value;

use super::{Endpoint, Error, ErrorKind, Inner};

/// EXEC 503 codes that guarantee the action did not run.
const EXEC_UNAVAILABLE_CODES: [&str; 8] = [
    "clock_error",
    "replay_cache_unavailable",
    "policy_engine_unavailable",
    "policy_engine_timeout",
    "policy_engine_invalid_response",
    "budget_store_unavailable",
    "store_unavailable",
    "draining",
];

/// Approve-specific 503 codes (answered before the claim or the plan runs).
const APPROVE_UNAVAILABLE_CODES: [&str; 3] =
    ["draining", "store_unavailable", "replay_cache_unavailable"];

/// Map a gate answer that is not a success of `endpoint` to the canonical error.
///
/// `status` is the HTTP status; `retry_after` the raw `Retry-After` header; `body` the
/// raw body. A 1xx, 3xx or 2xx status given here is a `ProtocolError` (the caller
/// passes only statuses that are not successes of this endpoint).
///
/// ```
/// use latchgate::error::{map_response, Endpoint, ErrorKind};
/// let e = map_response(
///     Endpoint::Exec,
///     403,
///     None,
///     br#"{"error":"policy_denied","deny_reason":"budget exhausted: no calls remaining"}"#,
/// );
/// assert_eq!(e.kind(), ErrorKind::BudgetExhausted);
/// assert_eq!(e.code(), Some("policy_denied"));
/// ```
pub fn map_response(
    endpoint: Endpoint,
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
) -> Error {
    if !(400..=599).contains(&status) {
        let what = match status {
            100..=199 => "an informational status",
            300..=399 => "a redirect, which is never followed",
            200..=299 => "a success status this endpoint never sends",
            _ => "a status outside HTTP's range",
        };
        return Error::protocol(endpoint, Some(status), format!("HTTP {status} is {what}"));
    }
    let parsed = ParsedBody::from_bytes(body);
    let kind = kind_for(
        endpoint,
        status,
        parsed.code.as_deref(),
        parsed.reason.as_deref(),
    );
    let may_have_executed = match kind {
        ErrorKind::OutcomeUnknown => true,
        ErrorKind::Denied => status == 422 && endpoint.can_execute(),
        _ => false,
    };
    let message = match &parsed.code {
        Some(code) => format!("the gate answered {status} {code}"),
        None => format!("the gate answered {status}"),
    };
    Error {
        inner: Box::new(Inner {
            kind: Some(kind),
            message,
            endpoint: Some(endpoint),
            status: Some(status),
            code: parsed.code,
            reason: parsed.reason,
            detail: parsed.detail,
            retry_after: retry_after.and_then(parse_retry_after),
            principal: parsed.principal,
            action_id: parsed.action_id,
            remediation: parsed.remediation,
            may_have_executed,
            ..Inner::default()
        }),
    }
}

/// Seconds of a `Retry-After` header in its delta-seconds form; an HTTP date or anything
/// else gives `None`.
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

fn kind_for(
    endpoint: Endpoint,
    status: u16,
    code: Option<&str>,
    reason: Option<&str>,
) -> ErrorKind {
    use Endpoint as E;
    use ErrorKind as K;
    let executes = endpoint.can_execute();
    match (endpoint, status) {
        // 401: the specialisations exist where the gate sends those codes.
        (E::Exec | E::Receipt, 401) => match code {
            Some("lease_expired") => K::LeaseExpired,
            Some("replay_detected") => K::ReplayDetected,
            _ => K::AuthError,
        },
        (E::Approve | E::Deny, 401) => match code {
            Some("replay_detected") => K::ReplayDetected,
            _ => K::AuthError,
        },
        (_, 401) => K::AuthError,
        // EXEC and the plan that APPROVE runs.
        (E::Exec | E::Approve, 403) => {
            let budget_policy = code == Some("policy_denied")
                && reason.is_some_and(|r| r.starts_with("budget exhausted"));
            if code == Some("budget_exhausted") || budget_policy {
                K::BudgetExhausted
            } else {
                K::Denied
            }
        }
        (E::Exec | E::Receipt | E::Poll | E::Discovery | E::Approve | E::Deny, 404) => K::NotFound,
        (E::OperatorApproval | E::OperatorReceipt, 404) => K::NotFound,
        (E::Exec | E::Approve | E::Deny, 409) => K::Conflict,
        (E::Exec, 503) => match code {
            Some(c) if EXEC_UNAVAILABLE_CODES.contains(&c) => K::Unavailable,
            _ => K::OutcomeUnknown,
        },
        (E::Approve, 503) => match code {
            Some(c)
                if APPROVE_UNAVAILABLE_CODES.contains(&c)
                    || EXEC_UNAVAILABLE_CODES.contains(&c) =>
            {
                K::Unavailable
            }
            _ => K::OutcomeUnknown,
        },
        (_, 429) => K::Unavailable,
        (_, 500..=599) if executes => K::OutcomeUnknown,
        (_, 500..=599) => K::Unavailable,
        _ => K::Denied,
    }
}

/// What C-ERR-02/04 let us read from an error body.
#[derive(Default)]
struct ParsedBody {
    code: Option<String>,
    reason: Option<String>,
    detail: Option<String>,
    principal: Option<String>,
    action_id: Option<String>,
    remediation: Option<String>,
}

impl ParsedBody {
    fn from_bytes(body: &[u8]) -> Self {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(members)) => {
                let text = |k: &str| members.get(k).and_then(Value::as_str).map(str::to_owned);
                Self {
                    code: text("error"),
                    reason: text("deny_reason").or_else(|| text("message")),
                    principal: text("principal"),
                    action_id: text("action_id"),
                    remediation: text("remediation"),
                    detail: None,
                }
            }
            // Valid JSON that is not an object: typed error, nothing to read (C-ERR-03).
            Ok(_) => Self::default(),
            Err(_) if body.iter().all(u8::is_ascii_whitespace) => Self::default(),
            Err(_) => Self {
                detail: Some(String::from_utf8_lossy(body).chars().take(200).collect()),
                ..Self::default()
            },
        }
    }
}
