//! The binary's TOML configuration file (every key optional; flags and env win).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::caps::Caps;
use crate::config::settings::{Identity, RateLimits};
use crate::control::mutants::{Lax, Mutant};

/// One operator in the config file.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OperatorEntry {
    /// API key.
    pub api_key: String,
    /// Thumbprint of the key (computed from the key when omitted).
    pub dpop_jkt: Option<String>,
    /// PKCS#8/SEC1 PEM of the key, inline.
    pub private_key_pem: Option<String>,
    /// PEM file of the key.
    pub private_key_file: Option<PathBuf>,
}

/// `latchgate-mock.toml`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Client TCP listener.
    pub http: Option<String>,
    /// Admin TCP listener.
    pub admin_http: Option<String>,
    /// Client Unix socket.
    pub socket: Option<PathBuf>,
    /// Admin Unix socket.
    pub admin_socket: Option<PathBuf>,
    /// Public base of every `htu`.
    pub public_base_url: Option<String>,
    /// Gate-wide filesystem root.
    pub fs_root: Option<PathBuf>,
    /// Allowed prefixes of per-lease `fs_root`.
    pub fs_root_allowed_prefixes: Option<Vec<PathBuf>>,
    /// Directory of manifests (replaces the quickstart actions).
    pub actions_dir: Option<PathBuf>,
    /// Policy data file (replaces the quickstart policy).
    pub policy_file: Option<PathBuf>,
    /// Rego policy directory (`*.rego` + optional `data.json`) replacing the built-in policy.
    pub policy_dir: Option<PathBuf>,
    /// Lease TTL.
    pub lease_ttl_seconds: Option<u64>,
    /// Replay cache capacity.
    pub replay_capacity: Option<usize>,
    /// Store bounds (`[caps]`, each key optional).
    pub caps: Option<Caps>,
    /// Control-API token (`None`: generated at start).
    pub control_token: Option<String>,
    /// Serve `/_mock/` without a token (isolated test networks only).
    pub control_open: Option<bool>,
    /// Identity provider.
    pub identity: Option<Identity>,
    /// Rate limits.
    pub rate_limits: Option<RateLimits>,
    /// The real gate's dev mode (default true, as every quickstart gate).
    pub dev_mode: Option<bool>,
    /// Operators by id.
    #[serde(default)]
    pub operators: BTreeMap<String, OperatorEntry>,
    /// TEST ONLY: disabled enforcement rules.
    #[serde(default)]
    pub mutants: Vec<Mutant>,
    /// Real-gate laxnesses to reproduce.
    #[serde(default)]
    pub lax: Vec<Lax>,
}

impl FileConfig {
    /// Reads and parses a config file; the error names the file and the problem.
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("invalid config {}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peercred_identity_parses_uid_keys() {
        let c: FileConfig = toml::from_str(
            "[identity]\nprovider = \"peercred\"\nallow_unmapped = true\n[identity.principals.1000]\nprincipal = \"alice\"\nscopes = [\"tools:call\"]\n",
        )
        .unwrap();
        match c.identity.unwrap() {
            Identity::Peercred {
                principals,
                allow_unmapped,
            } => {
                assert!(allow_unmapped);
                assert_eq!(principals["1000"].principal, "alice");
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn caps_table_overrides_only_the_keys_given() {
        let c: FileConfig = toml::from_str("[caps]\njournal = 5\n").unwrap();
        let caps = c.caps.unwrap();
        assert_eq!(caps.journal, 5);
        assert_eq!(
            caps.receipts,
            Caps::default().receipts,
            "receipts cap changed"
        );
    }

    /// Asserts that `text` is refused and that the error names the unknown `field`.
    fn assert_refuses_unknown_field(text: &str, field: &str) {
        let e = toml::from_str::<FileConfig>(text)
            .expect_err("the config should be refused")
            .to_string();
        assert!(
            e.contains(&format!("unknown field `{field}`")),
            "error does not name `{field}`: {e}"
        );
    }

    #[test]
    fn unknown_cap_is_refused_with_its_name() {
        assert_refuses_unknown_field("[caps]\nreciepts = 5\n", "reciepts");
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        assert_refuses_unknown_field("lease_ttl = 5", "lease_ttl");
    }
}
