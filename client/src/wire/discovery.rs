use serde::{Deserialize, Serialize};

/// One entry of `GET /v1/actions` (PROTOCOL §7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionSummary {
    /// Action id.
    pub action_id: String,
    /// Manifest version.
    pub version: String,
    /// `low`, `medium`, `high`, `critical`.
    pub risk_level: String,
    /// `strict`, `parameterized` or `hybrid`, for database actions only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_mode: Option<String>,
}

/// 200 answer of `GET /v1/actions`, sorted by `action_id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionList {
    /// The registered actions.
    pub actions: Vec<ActionSummary>,
}

/// `resource_limits` of an action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceLimits {
    /// WASM fuel (default 1 000 000).
    pub fuel: u64,
    /// Memory, MiB (default 64).
    pub memory_mb: u64,
    /// Timeout, seconds (default 30).
    pub timeout_seconds: u64,
    /// Host I/O calls (default 10).
    pub max_io_calls: u64,
    /// Host response bytes (default 10 MiB).
    pub max_host_response_bytes: u64,
}

/// `io` of an action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionIo {
    /// Maximum canonical request size.
    pub max_request_bytes: u64,
    /// Maximum response size.
    pub max_response_bytes: u64,
    /// Whether a request schema is published.
    pub has_request_schema: bool,
    /// Whether a response schema is enforced.
    pub has_response_schema: bool,
}

/// 200 answer of `GET /v1/actions/{id}` (PROTOCOL §7). There is no `runtime` member.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionDetail {
    /// Action id.
    pub action_id: String,
    /// Manifest version.
    pub version: String,
    /// Provider module digest, e.g. `builtin:http_api`.
    pub provider_module_digest: String,
    /// `low`, `medium`, `high`, `critical`.
    pub risk_level: String,
    /// Sandbox limits.
    pub resource_limits: ResourceLimits,
    /// Request/response limits.
    pub io: ActionIo,
    /// Egress exactly as the gate sent it; interpret with [`Egress::from_wire`].
    pub egress: serde_json::Value,
    /// Declared side-effect sinks.
    pub declared_side_effects: Vec<String>,
    /// Database review data, for database actions only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<serde_json::Value>,
}

impl ActionDetail {
    /// The egress profile (SDK-CONTRACT C-EGR-02).
    pub fn egress_profile(&self) -> Egress {
        Egress::from_wire(&self.egress)
    }
}

/// An action's egress profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Egress {
    /// `"none"`: no outbound network.
    None,
    /// `{"proxy_allowlist":{"allowed_domains":[…]}}`.
    ProxyAllowlist(Vec<String>),
    /// `null` (an invalid manifest egress block) or any other shape, kept raw.
    Unknown(serde_json::Value),
}

impl Egress {
    /// Interpret the `egress` member: only the two documented shapes are recognised.
    ///
    /// ```
    /// use latchgate::wire::Egress;
    /// use serde_json::json;
    /// assert_eq!(Egress::from_wire(&json!("none")), Egress::None);
    /// assert_eq!(
    ///     Egress::from_wire(&json!({"proxy_allowlist": {"allowed_domains": ["a.example"]}})),
    ///     Egress::ProxyAllowlist(vec!["a.example".into()])
    /// );
    /// assert_eq!(Egress::from_wire(&json!(null)), Egress::Unknown(json!(null)));
    /// ```
    pub fn from_wire(raw: &serde_json::Value) -> Self {
        if raw.as_str() == Some("none") {
            return Self::None;
        }
        let domains = raw
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.get("proxy_allowlist"))
            .and_then(|p| p.get("allowed_domains"))
            .and_then(|d| d.as_array())
            .and_then(|items| {
                items
                    .iter()
                    .map(|d| d.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
            });
        match domains {
            Some(domains) => Self::ProxyAllowlist(domains),
            None => Self::Unknown(raw.clone()),
        }
    }
}

/// 200 answer of `GET /healthz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `"ok"`.
    pub status: String,
}

/// Body of `GET /readyz`, sent with 200 (ready) or 503 (not ready) (PROTOCOL §11).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readiness {
    /// `ready`, `degraded` or `not_ready`.
    pub status: String,
    /// Replay store reachable.
    pub redis: bool,
    /// Policy engine reachable.
    pub opa: bool,
    /// Ledger usable.
    pub ledger: bool,
    /// Approval store usable.
    pub approval_store: bool,
    /// Egress proxy state (null when none is configured).
    pub egress_proxy: Option<bool>,
    /// Number of registered actions.
    pub actions_registered: u64,
}
