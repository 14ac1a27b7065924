use serde::{Deserialize, Serialize};

/// One receipt verification key, as `GET /v1/receipt-keys` and the gate's
/// `receipt_keys_jwks_path` file list it (PROTOCOL §10.4). The public key is `x_hex`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptKey {
    /// Key id: the first 16 hex characters of `x_hex`.
    pub kid: String,
    /// The 32-byte Ed25519 public key, 64 hex characters.
    pub x_hex: String,
    /// `"OKP"`.
    pub kty: String,
    /// `"Ed25519"`.
    pub crv: String,
    /// `"EdDSA"`.
    pub alg: String,
    /// When the key was added, `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub added_at: String,
    /// `"sig"`.
    #[serde(rename = "use")]
    pub use_: String,
}

impl ReceiptKey {
    /// The entry for an Ed25519 public key: `kid` derived from it, `added_at` as given.
    pub fn from_public_key(public_key: &[u8; 32], added_at: impl Into<String>) -> Self {
        let x_hex = hex::encode(public_key);
        Self {
            kid: x_hex[..16].to_owned(),
            x_hex,
            kty: "OKP".to_owned(),
            crv: "Ed25519".to_owned(),
            alg: "EdDSA".to_owned(),
            added_at: added_at.into(),
            use_: "sig".to_owned(),
        }
    }
}

/// 200 answer of `GET /v1/receipt-keys`, and the content of the gate's receipt key file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptKeys {
    /// Every key ever used, oldest first.
    pub keys: Vec<ReceiptKey>,
}

/// 200 answer of `GET /v1/admin/status` (PROTOCOL §11).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminStatus {
    /// `ok`, `degraded` or `draining`.
    pub status: String,
    /// Gate version.
    pub version: String,
    /// Seconds since start.
    pub uptime_seconds: u64,
    /// Registered actions.
    pub actions_registered: u64,
    /// Pending approvals.
    pub pending_approvals: u64,
    /// Grant revocation epoch.
    pub revocation_epoch: u64,
    /// Whether the gate is draining.
    pub draining: bool,
    /// Executions in flight.
    pub in_flight_executions: u64,
    /// `{redis, opa}` health.
    pub dependencies: serde_json::Value,
    /// `{active, pending_deliveries}`.
    pub webhooks: serde_json::Value,
}
