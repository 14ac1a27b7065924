use serde::{Deserialize, Serialize};

use crate::crypto::jwk::EcPublicJwk;

/// Body of `POST /v1/leases` (PROTOCOL §3.1). The gate rejects unknown top-level members
/// with a text/plain 422, and so does deserialising this type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaseRequest {
    /// Requested scopes, sent verbatim (default `["tools:call"]`).
    pub scopes: Vec<String>,
    /// The lease's DPoP public key.
    pub dpop_jwk: EcPublicJwk,
    /// Per-lease budget, sent only when the caller gave `max_calls`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budgets: Option<Budgets>,
    /// Per-session filesystem root (absolute path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fs_root: Option<String>,
}

/// The `budgets` member: only `max_calls` exists. The gate ignores other members and
/// treats a missing or null `max_calls` as an already exhausted budget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budgets {
    /// Calls allowed under this lease (1..=2^63−1 when the SDK sends it).
    pub max_calls: Option<u64>,
}

/// 200 answer of `POST /v1/leases` (PROTOCOL §3.5).
#[derive(Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct LeaseResponse {
    /// The lease JWT (a secret; never shown by `Debug`).
    pub lease_jwt: String,
    /// The new server session id.
    pub session_id: String,
    /// The lease's JWT id.
    pub lease_jti: String,
    /// Expiry, `YYYY-MM-DDTHH:MM:SSZ`.
    pub expires_at: String,
    /// The canonical `fs_root`, when one was requested and accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fs_root: Option<String>,
}

impl std::fmt::Debug for LeaseResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaseResponse")
            .field("lease_jwt", &"<redacted>")
            .field("session_id", &self.session_id)
            .field("lease_jti", &self.lease_jti)
            .field("expires_at", &self.expires_at)
            .field("fs_root", &self.fs_root)
            .finish()
    }
}
