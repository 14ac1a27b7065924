//! Gate settings: everything fixed at start (the TOML config and builder map onto this).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::control::mutants::Switches;

/// Default public base, as the real gate's.
pub const DEFAULT_PUBLIC_BASE_URL: &str = "http://localhost:3000";
/// Default lease TTL.
pub const DEFAULT_LEASE_TTL_SECS: u64 = 300;
/// Default principal of the `none` identity provider.
pub const DEFAULT_PRINCIPAL: &str = "dev:anonymous";

/// One principal of the peercred mapping.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PeerPrincipal {
    /// Principal (`sub`).
    pub principal: String,
    /// Scopes the caller may obtain (empty = unrestricted).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Optional owner claim.
    pub owner: Option<String>,
}

/// Who the lease caller is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "provider", rename_all = "snake_case")]
pub enum Identity {
    /// Everyone is one principal (the real `none` provider uses `dev:anonymous`).
    None {
        /// Principal.
        #[serde(default = "default_principal")]
        principal: String,
        /// Scope ceiling (empty = unrestricted).
        #[serde(default)]
        max_scopes: Vec<String>,
        /// Optional owner claim.
        owner: Option<String>,
    },
    /// Unix-socket peer uid mapped to principals (SO_PEERCRED); TCP callers are refused.
    Peercred {
        /// uid (decimal string, e.g. `"1000"`) → principal.
        #[serde(default)]
        principals: BTreeMap<String, PeerPrincipal>,
        /// Unmapped uids become `uid:<uid>` instead of being refused.
        #[serde(default)]
        allow_unmapped: bool,
    },
}

fn default_principal() -> String {
    DEFAULT_PRINCIPAL.into()
}

impl Default for Identity {
    fn default() -> Self {
        Identity::None {
            principal: default_principal(),
            max_scopes: Vec::new(),
            owner: None,
        }
    }
}

/// Token-bucket rates (requests per second; 0 = unlimited).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct RateLimits {
    /// Global lease issuance.
    pub lease_rps: u32,
    /// Execute, per lease session.
    pub execute_session_rps: u32,
    /// Execute, per peer when no session can be read.
    pub execute_peer_rps: u32,
    /// Operator reads (one gate-wide bucket).
    pub operator_read_rps: u32,
    /// Operator writes (one gate-wide bucket).
    pub operator_write_rps: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            lease_rps: 50,
            execute_session_rps: 20,
            execute_peer_rps: 5,
            operator_read_rps: 100,
            operator_write_rps: 20,
        }
    }
}

impl RateLimits {
    /// No rate limiting at all (bulk tests).
    pub fn unlimited() -> Self {
        Self {
            lease_rps: 0,
            execute_session_rps: 0,
            execute_peer_rps: 0,
            operator_read_rps: 0,
            operator_write_rps: 0,
        }
    }
}

/// An operator credential.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OperatorCredential {
    /// Operator id.
    pub id: String,
    /// Bearer part of `Authorization: DPoP <api_key>`.
    pub api_key: String,
    /// Thumbprint of the operator's P-256 key (without it the operator can never authenticate).
    pub dpop_jkt: Option<String>,
    /// PKCS#8 PEM of the key, when the mock knows it (generated credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key_pem: Option<String>,
}

/// Settings of one gate.
#[derive(Debug, Clone)]
pub struct GateSettings {
    /// Base of every expected `htu`.
    pub public_base_url: String,
    /// Lease TTL (clamped to 3600).
    pub lease_ttl_secs: u64,
    /// Identity provider.
    pub identity: Identity,
    /// Rate limits.
    pub rate_limits: RateLimits,
    /// Gate-wide filesystem root (the real `fs_root_path`).
    pub fs_root: Option<PathBuf>,
    /// Allowed prefixes for per-lease `fs_root` (empty = any).
    pub fs_root_allowed_prefixes: Vec<PathBuf>,
    /// Replay cache capacity.
    pub replay_capacity: usize,
    /// Bounds of the other stores.
    pub caps: crate::caps::Caps,
    /// Operator credentials.
    pub operators: Vec<OperatorCredential>,
    /// True when the operator was generated at start (its key may then be served by
    /// `/_mock/operator`; a user's own key never is).
    pub operator_generated: bool,
    /// Who may use the `/_mock/` control API.
    pub control: crate::control::access::ControlAccess,
    /// Mutants and lax switches.
    pub switches: Switches,
    /// Version reported by `/v1/admin/status`.
    pub version: String,
    /// Manifests directory re-read by `/v1/admin/reload`.
    pub actions_dir: Option<PathBuf>,
    /// Policy data file re-read by `/v1/admin/reload`.
    pub policy_file: Option<PathBuf>,
    /// Rego policy directory (`*.rego` + `data.json`) replacing the built-in policy.
    pub policy_dir: Option<PathBuf>,
    /// The real gate's dev mode (any `[posture] *_insecure` flag). Identity `none` and
    /// ephemeral signing keys both need one, so a quickstart gate is always in dev mode;
    /// `false` reproduces a production posture where the operator write limiter also
    /// guards approve, deny, revoke-all, drain and reload.
    pub dev_mode: bool,
}

impl Default for GateSettings {
    fn default() -> Self {
        Self {
            public_base_url: DEFAULT_PUBLIC_BASE_URL.into(),
            lease_ttl_secs: DEFAULT_LEASE_TTL_SECS,
            identity: Identity::default(),
            rate_limits: RateLimits::default(),
            fs_root: None,
            fs_root_allowed_prefixes: std::env::var_os("HOME")
                .map(PathBuf::from)
                .into_iter()
                .collect(),
            replay_capacity: crate::auth::replay::DEFAULT_CAPACITY,
            caps: crate::caps::Caps::default(),
            operators: Vec::new(),
            operator_generated: false,
            control: crate::control::access::ControlAccess::generate(),
            switches: Switches::default(),
            version: "0.2.0".into(),
            actions_dir: None,
            policy_file: None,
            policy_dir: None,
            dev_mode: true,
        }
    }
}
