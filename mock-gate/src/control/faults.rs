//! Fault injection: the next N calls to an endpoint answer a real gate error or an arbitrary
//! raw response, are delayed, or lose their connection before or after the action's effect;
//! and the TTL of the next lease(s) can be shortened.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// Which requests a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `POST /v1/leases`.
    Leases,
    /// `GET /.well-known/jwks.json`.
    Jwks,
    /// `GET /v1/actions`, `GET /v1/actions/{id}`, `GET /v1/actions/{id}/schema/request`.
    Actions,
    /// `POST /v1/actions/{id}/execute`.
    Execute,
    /// `GET /v1/approvals/{id}/poll`.
    Poll,
    /// `GET /v1/receipts/{id}`.
    Receipt,
    /// `GET /v1/approvals` and `GET /v1/approvals/{id}`.
    Approvals,
    /// `POST /v1/approvals/{id}/approve`.
    Approve,
    /// `POST /v1/approvals/{id}/deny`.
    Deny,
    /// `GET /v1/receipt-keys`.
    ReceiptKeys,
    /// `/v1/admin/*` and `/metrics`.
    Admin,
    /// `/healthz`, `/readyz`.
    Health,
    /// Any request whose path starts with this prefix.
    PathPrefix(String),
    /// Every request (except the control API).
    Any,
}

impl Endpoint {
    /// Whether a request matches.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        let seg: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match self {
            Endpoint::Leases => method == "POST" && path == "/v1/leases",
            Endpoint::Jwks => path == "/.well-known/jwks.json",
            Endpoint::Actions => {
                method == "GET" && seg.first() == Some(&"v1") && seg.get(1) == Some(&"actions")
            }
            Endpoint::Execute => {
                method == "POST" && seg.len() == 4 && seg[1] == "actions" && seg[3] == "execute"
            }
            Endpoint::Poll => seg.len() == 4 && seg[1] == "approvals" && seg[3] == "poll",
            Endpoint::Receipt => seg.len() == 3 && seg[1] == "receipts",
            Endpoint::Approvals => {
                method == "GET" && seg.get(1) == Some(&"approvals") && seg.len() <= 3
            }
            Endpoint::Approve => seg.len() == 4 && seg[1] == "approvals" && seg[3] == "approve",
            Endpoint::Deny => seg.len() == 4 && seg[1] == "approvals" && seg[3] == "deny",
            Endpoint::ReceiptKeys => path == "/v1/receipt-keys",
            Endpoint::Admin => path.starts_with("/v1/admin/") || path == "/metrics",
            Endpoint::Health => path == "/healthz" || path == "/readyz",
            Endpoint::PathPrefix(p) => path.starts_with(p.as_str()),
            Endpoint::Any => true,
        }
    }

    /// Whether the real gate answers this endpoint's errors with empty bodies.
    pub fn empty_error_bodies(method: &str, path: &str) -> bool {
        Endpoint::Poll.matches(method, path)
            || (method == "GET"
                && path.starts_with("/v1/approvals/")
                && !Endpoint::Poll.matches(method, path))
    }
}

/// What happens to a matched request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FaultAction {
    /// Answer a real gate error: `{"error":"<code>"[,extra fields]}` with the code's status
    /// and headers (empty body on endpoints whose errors are bare statuses).
    Error {
        /// Error code, e.g. `policy_engine_unavailable`.
        code: String,
        /// Extra string members, in order.
        #[serde(default)]
        fields: Vec<(String, String)>,
    },
    /// Answer exactly these bytes.
    Raw {
        /// Status code (any, including 3xx).
        status: u16,
        /// Headers, in order.
        #[serde(default)]
        headers: Vec<(String, String)>,
        /// Body text.
        #[serde(default)]
        body: String,
    },
    /// Wait this long (real time), then handle normally.
    Delay {
        /// Milliseconds.
        ms: u64,
    },
    /// Close the connection without running the handler (no effect, no response).
    DropBeforeEffect,
    /// Run the handler (the effect happens), then close the connection without a response.
    DropAfterEffect,
}

/// One rule: the next `times` matching requests get `action`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Matched requests.
    pub endpoint: Endpoint,
    /// How many matching requests it applies to.
    pub times: u32,
    /// What happens.
    pub action: FaultAction,
}

impl FaultRule {
    /// The next `times` calls to `endpoint` answer the real error `code`.
    pub fn error(endpoint: Endpoint, times: u32, code: &str) -> Self {
        Self {
            endpoint,
            times,
            action: FaultAction::Error {
                code: code.into(),
                fields: Vec::new(),
            },
        }
    }

    /// The next `times` calls to `endpoint` answer raw bytes.
    pub fn raw(
        endpoint: Endpoint,
        times: u32,
        status: u16,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Self {
        Self {
            endpoint,
            times,
            action: FaultAction::Raw {
                status,
                headers: headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                body: body.into(),
            },
        }
    }

    /// Any action.
    pub fn new(endpoint: Endpoint, times: u32, action: FaultAction) -> Self {
        Self {
            endpoint,
            times,
            action,
        }
    }
}

/// Status and extra headers of a real gate error code.
pub fn error_status(code: &str) -> Option<(u16, Option<(&'static str, &'static str)>)> {
    let s = match code {
        "bad_request" | "invalid_request" | "invalid_fs_root" | "invalid_action_id"
        | "invalid_domain" | "invalid_path_glob" => 400,
        "lease_expired"
        | "invalid_lease"
        | "replay_detected"
        | "missing_auth_header"
        | "invalid_auth_scheme"
        | "invalid_operator_token"
        | "missing_dpop_header"
        | "invalid_dpop"
        | "key_binding_failed"
        | "unauthorized"
        | "identity_unauthenticated" => 401,
        "policy_denied"
        | "action_not_registered"
        | "action_digest_mismatch"
        | "budget_exhausted"
        | "budget_session_not_found"
        | "scope_not_permitted"
        | "identity_forbidden"
        | "fs_root_denied" => 403,
        "action_not_found" | "not_found" | "principal_not_found" => 404,
        "grant_consumed" | "conflict" | "budget_already_initialised" => 409,
        "schema_violation" => 422,
        "rate_limited" => return Some((429, Some(("retry-after", "1")))),
        "operator_throttled" => return Some((429, Some(("retry-after", "2")))),
        "rate_limit_exceeded" => 429,
        "internal_error" | "evidence_persistence_failed" | "reload_failed" => 500,
        "action_execution_failed" => 502,
        "clock_error"
        | "replay_cache_unavailable"
        | "policy_engine_unavailable"
        | "policy_engine_timeout"
        | "policy_engine_invalid_response"
        | "budget_store_unavailable"
        | "store_unavailable"
        | "draining"
        | "identity_provider_unavailable"
        | "approval_store_unavailable" => 503,
        _ => return None,
    };
    Some((s, None))
}

/// Why a fault rule was refused.
#[derive(Debug, thiserror::Error)]
pub enum FaultError {
    /// An [`FaultAction::Error`] names a code the real gate never answers.
    #[error("unknown gate error code '{0}'")]
    UnknownCode(String),
}

/// Active rules and pending lease TTL overrides.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    lease_ttls: Mutex<VecDeque<u64>>,
}

impl Faults {
    /// Adds a rule (checked after earlier rules). Unknown error codes are refused.
    pub fn inject(&self, rule: FaultRule) -> Result<(), FaultError> {
        if let FaultAction::Error { code, .. } = &rule.action {
            if error_status(code).is_none() {
                return Err(FaultError::UnknownCode(code.clone()));
            }
        }
        self.rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(rule);
        Ok(())
    }

    /// The next `times` calls to `endpoint` answer the real error `code`.
    pub fn fail_next(&self, endpoint: Endpoint, times: u32, code: &str) -> Result<(), FaultError> {
        self.inject(FaultRule::error(endpoint, times, code))
    }

    /// Takes the action for a request, consuming one use of the first matching rule.
    pub fn take(&self, method: &str, path: &str) -> Option<FaultAction> {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let idx = rules
            .iter()
            .position(|r| r.times > 0 && r.endpoint.matches(method, path))?;
        let rule = &mut rules[idx];
        rule.times -= 1;
        let action = rule.action.clone();
        if rule.times == 0 {
            rules.remove(idx);
        }
        Some(action)
    }

    /// Rules still armed.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The next `count` leases get `ttl_secs` instead of the configured TTL.
    pub fn set_next_lease_ttl(&self, ttl_secs: u64, count: u32) {
        let mut q = self.lease_ttls.lock().unwrap_or_else(|e| e.into_inner());
        for _ in 0..count {
            q.push_back(ttl_secs);
        }
    }

    /// Consumes one lease TTL override.
    pub fn take_lease_ttl(&self) -> Option<u64> {
        self.lease_ttls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
    }

    /// Disarms everything.
    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.lease_ttls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
