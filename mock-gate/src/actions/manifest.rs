//! Action manifests in the real gate's YAML format, and their compiled checks.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Risk level of an action (serialized lowercase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Auto-allowed when the ACL permits.
    #[default]
    Low,
    /// Auto-allowed when the ACL permits.
    Medium,
    /// Always held for approval.
    High,
    /// Always held for approval.
    Critical,
}

impl RiskLevel {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// High or critical.
    pub fn is_high(self) -> bool {
        matches!(self, Self::High | Self::Critical)
    }
}

/// Which verifier checks the provider's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum VerifierKind {
    /// HTTP status of the provider output in the accepted set.
    HttpStatus,
    /// Filesystem evidence observed by the host.
    FsHash,
    /// Nothing to verify (`unverifiable_declared`).
    #[default]
    None,
}

/// Resource limits (field order = the gate's serialization order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResourceLimits {
    /// WASM fuel.
    pub fuel: u64,
    /// Memory in MiB.
    pub memory_mb: u32,
    /// Wall-clock timeout.
    pub timeout_seconds: u32,
    /// Host I/O calls.
    pub max_io_calls: u32,
    /// Host response bytes.
    pub max_host_response_bytes: u64,
}

impl Default for ResourceLimits {
    fn default() -> Self {
        Self {
            fuel: 1_000_000,
            memory_mb: 64,
            timeout_seconds: 30,
            max_io_calls: 10,
            max_host_response_bytes: 10 * 1024 * 1024,
        }
    }
}

/// The `io` block.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct IoConfig {
    /// Inline JSON Schema for the request body.
    pub request_schema: Option<Value>,
    /// Inline JSON Schema for the provider output.
    pub response_schema: Option<Value>,
    /// Compact-JSON size limit of the request body.
    pub max_request_bytes: usize,
    /// Compact-JSON size limit of the provider output.
    pub max_response_bytes: usize,
}

impl Default for IoConfig {
    fn default() -> Self {
        Self {
            request_schema: None,
            response_schema: None,
            max_request_bytes: 64 * 1024,
            max_response_bytes: 1024 * 1024,
        }
    }
}

/// The `egress` block.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct EgressConfig {
    /// `none` or `proxy_allowlist`.
    pub profile: String,
    /// Domains reachable through the proxy (`*.x` = any subdomain of x).
    pub allowed_domains: Vec<String>,
}

impl Default for EgressConfig {
    fn default() -> Self {
        Self {
            profile: "none".into(),
            allowed_domains: Vec::new(),
        }
    }
}

/// The externally tagged egress profile the gate serializes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EgressProfile {
    /// No network.
    None,
    /// Proxy with a domain allowlist.
    ProxyAllowlist {
        /// Allowed domains.
        allowed_domains: Vec<String>,
    },
}

/// The `template` block of http actions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TemplateConfig {
    /// HTTP method.
    pub method: String,
    /// URL with `{{field}}` placeholders.
    pub url_template: String,
    /// Request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Body template (a string with placeholders, or JSON).
    pub body_template: Option<Value>,
}

/// The `fs` block of filesystem actions (`Default`: nothing allowed).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FsConfig {
    /// `read`, `create`, `overwrite`, `delete`.
    pub allowed_operations: Vec<String>,
    /// Globs (relative to the root) allowed without approval.
    #[serde(default)]
    pub allowed_paths: Vec<String>,
    /// Globs always refused by the provider.
    #[serde(default)]
    pub denied_paths: Vec<String>,
    /// Largest file the provider reads or writes.
    #[serde(default = "default_max_file_bytes")]
    pub max_file_bytes: u64,
}

fn default_max_file_bytes() -> u64 {
    10 * 1024 * 1024
}

fn default_required_scopes() -> Vec<String> {
    vec!["tools:call".into()]
}

/// One action manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionSpec {
    /// Id used in routes.
    pub action_id: String,
    /// Version string.
    pub version: String,
    /// `builtin:fs`, `builtin:http_api` or `sha256:<hex>`.
    pub provider_module_digest: String,
    /// Resource limits.
    #[serde(default)]
    pub resource_limits: ResourceLimits,
    /// Verifier.
    #[serde(default)]
    pub verifier_kind: VerifierKind,
    /// Verifier options (`expected_status`, `required_fields`).
    pub verification_config: Option<Value>,
    /// Request/response schemas and limits.
    #[serde(default)]
    pub io: IoConfig,
    /// Egress profile.
    #[serde(default)]
    pub egress: EgressConfig,
    /// Risk level.
    #[serde(default)]
    pub risk_level: RiskLevel,
    /// Side-effect sinks checked against the principal's `allowed_sinks`.
    #[serde(default)]
    pub declared_side_effects: Vec<String>,
    /// Scopes the lease must carry.
    #[serde(default = "default_required_scopes")]
    pub required_scopes: Vec<String>,
    /// HTTP template.
    pub template: Option<TemplateConfig>,
    /// Filesystem policy.
    pub fs: Option<FsConfig>,
}

impl ActionSpec {
    /// Parses a manifest from YAML and checks what the gate checks at load time.
    pub fn from_yaml(text: &str) -> Result<Self, ManifestError> {
        let spec: ActionSpec =
            serde_yaml_ng::from_str(text).map_err(|e| ManifestError::Yaml(e.to_string()))?;
        spec.validate()?;
        Ok(spec)
    }

    /// Load-time checks: id, provider digest, egress profile, schema compilation, globs.
    pub fn validate(&self) -> Result<(), ManifestError> {
        if self.action_id.is_empty()
            || !self
                .action_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(ManifestError::ActionId(self.action_id.clone()));
        }
        let digest = &self.provider_module_digest;
        let ok = match digest.strip_prefix("builtin:") {
            Some(name) => !name.is_empty(),
            None => digest
                .strip_prefix("sha256:")
                .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())),
        };
        if !ok {
            return Err(ManifestError::ProviderDigest {
                action_id: self.action_id.clone(),
                digest: digest.clone(),
            });
        }
        self.egress_profile()?;
        for schema in [&self.io.request_schema, &self.io.response_schema]
            .into_iter()
            .flatten()
        {
            jsonschema::validator_for(schema).map_err(|e| ManifestError::Schema {
                action_id: self.action_id.clone(),
                reason: e.to_string(),
            })?;
        }
        if let Some(fs) = &self.fs {
            compile_globs(&fs.allowed_paths)?;
            compile_globs(&fs.denied_paths)?;
        }
        Ok(())
    }

    /// The egress profile as the gate serializes it.
    pub fn egress_profile(&self) -> Result<EgressProfile, ManifestError> {
        match self.egress.profile.as_str() {
            "none" => Ok(EgressProfile::None),
            "proxy_allowlist" => Ok(EgressProfile::ProxyAllowlist {
                allowed_domains: self.egress.allowed_domains.clone(),
            }),
            other => Err(ManifestError::EgressProfile(other.to_string())),
        }
    }

    /// Whether this is a filesystem action (`fs` block present).
    pub fn is_fs(&self) -> bool {
        self.fs.is_some()
    }
}

/// A manifest with its compiled validators and globs.
#[derive(Debug)]
pub struct CompiledAction {
    /// The manifest.
    pub spec: ActionSpec,
    /// Compiled request schema.
    pub request_validator: Option<jsonschema::Validator>,
    /// Compiled response schema.
    pub response_validator: Option<jsonschema::Validator>,
    /// Compiled `fs.allowed_paths`.
    pub allowed_globs: Option<globset::GlobSet>,
    /// Compiled `fs.denied_paths`.
    pub denied_globs: Option<globset::GlobSet>,
}

impl CompiledAction {
    /// Compiles a validated manifest.
    pub fn compile(spec: ActionSpec) -> Result<Arc<Self>, ManifestError> {
        spec.validate()?;
        // Cannot fail: `validate` compiled the same schemas.
        let compile = |s: &Option<Value>| -> Result<Option<jsonschema::Validator>, ManifestError> {
            s.as_ref()
                .map(|v| {
                    jsonschema::validator_for(v).map_err(|e| ManifestError::Schema {
                        action_id: spec.action_id.clone(),
                        reason: e.to_string(),
                    })
                })
                .transpose()
        };
        let request_validator = compile(&spec.io.request_schema)?;
        let response_validator = compile(&spec.io.response_schema)?;
        let (allowed_globs, denied_globs) = match &spec.fs {
            Some(fs) => (
                Some(compile_globs(&fs.allowed_paths)?),
                Some(compile_globs(&fs.denied_paths)?),
            ),
            None => (None, None),
        };
        Ok(Arc::new(Self {
            spec,
            request_validator,
            response_validator,
            allowed_globs,
            denied_globs,
        }))
    }
}

fn compile_globs(patterns: &[String]) -> Result<globset::GlobSet, ManifestError> {
    crate::actions::globs::compile(patterns).map_err(ManifestError::Glob)
}

/// Why a manifest is refused at load time (the texts are the gate's).
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The text is not a manifest in YAML.
    #[error("invalid manifest YAML: {0}")]
    Yaml(String),
    /// `action_id` is empty or has characters outside `[a-zA-Z0-9_-]`.
    #[error("action_id '{0}' must be non-empty [a-zA-Z0-9_-]")]
    ActionId(String),
    /// `provider_module_digest` is neither `builtin:<name>` nor `sha256:<64 hex>`.
    #[error("action '{action_id}': provider_module_digest must be 'builtin:<name>' or 'sha256:<64 hex>' (got '{digest}')")]
    ProviderDigest {
        /// The manifest's action id.
        action_id: String,
        /// The digest as written.
        digest: String,
    },
    /// `egress.profile` is neither `none` nor `proxy_allowlist`.
    #[error("unknown egress profile: '{0}' (expected 'none' or 'proxy_allowlist')")]
    EgressProfile(String),
    /// A request or response schema does not compile.
    #[error("action '{action_id}': schema does not compile: {reason}")]
    Schema {
        /// The manifest's action id.
        action_id: String,
        /// The compiler's complaint.
        reason: String,
    },
    /// An `fs` allowed or denied glob does not compile.
    #[error("{0}")]
    Glob(String),
}
