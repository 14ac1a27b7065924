//! Action providers: what an action does once the gate dispatches it.
//!
//! The real gate runs WASM modules (`builtin:fs`, `builtin:http_api`). The mock offers the
//! same two built-ins (fs for real below the fs root; http as a canned 200 by default or a
//! real request with [`HttpProvider`]) plus canned outputs and closures for tests.

mod fs;
mod http;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::{json, Value};

pub use fs::FsProvider;
pub use http::{resolve_template, HttpEchoProvider, HttpProvider};

/// What the host observed while the provider ran (verifier evidence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// A filesystem effect.
    Fs {
        /// `read`, `create`, `overwrite`, `delete`.
        operation: &'static str,
        /// Path as requested.
        path: String,
        /// SHA-256 before.
        before_hash: Option<[u8; 32]>,
        /// SHA-256 after.
        after_hash: Option<[u8; 32]>,
        /// Size before.
        bytes_before: u64,
        /// Size after.
        bytes_after: u64,
    },
    /// An HTTP response status.
    HttpStatus(u16),
}

/// One dispatch.
#[derive(Debug, Clone)]
pub struct ProviderCall {
    /// Action id.
    pub action_id: String,
    /// Request body (the parameters).
    pub params: Value,
    /// Filesystem root of the session (or the gate's).
    pub fs_root: Option<PathBuf>,
    /// The action's manifest.
    pub spec: Arc<crate::actions::manifest::CompiledAction>,
    /// Learned path globs of the action.
    pub learned_paths: Vec<String>,
}

/// A provider's result.
#[derive(Debug, Clone)]
pub struct ProviderOutput {
    /// Output JSON (the gate requires an object with boolean `ok`).
    pub output: Value,
    /// Exit code (0 = success).
    pub exit_code: i64,
    /// Host observations.
    pub observed: Vec<Observed>,
}

impl ProviderOutput {
    /// Exit code 0, nothing observed.
    pub fn ok(output: Value) -> Self {
        Self {
            output,
            exit_code: 0,
            observed: Vec::new(),
        }
    }

    /// What the gate makes of a provider returning an error: the output `{"error": <message>}`
    /// with exit code 1, which has no boolean `ok` and so fails response validation (422
    /// `schema_violation`).
    pub fn failed(message: String) -> Self {
        Self {
            output: serde_json::json!({ "error": message }),
            exit_code: 1,
            observed: Vec::new(),
        }
    }
}

/// A provider failure → 502 `action_execution_failed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    /// Error text (stored as the approval failure reason).
    pub message: String,
    /// The module could not be loaded: the gate refunds the budget.
    pub before_dispatch: bool,
}

impl ProviderError {
    /// A failure during execution (no refund).
    pub fn runtime(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            before_dispatch: false,
        }
    }
}

/// Boxed future of a provider.
pub type ProviderFuture =
    Pin<Box<dyn Future<Output = Result<ProviderOutput, ProviderError>> + Send>>;

/// Runs an action.
pub trait Provider: Send + Sync + 'static {
    /// Executes one call.
    fn call(&self, call: ProviderCall) -> ProviderFuture;
}

/// Always answers the same output.
#[derive(Debug, Clone)]
pub struct CannedProvider(pub Value);

impl Provider for CannedProvider {
    fn call(&self, _call: ProviderCall) -> ProviderFuture {
        let out = self.0.clone();
        Box::pin(async move { Ok(ProviderOutput::ok(out)) })
    }
}

/// A closure provider.
pub struct FnProvider<F>(pub F);

impl<F> Provider for FnProvider<F>
where
    F: Fn(ProviderCall) -> Result<ProviderOutput, ProviderError> + Send + Sync + 'static,
{
    fn call(&self, call: ProviderCall) -> ProviderFuture {
        let r = (self.0)(call);
        Box::pin(async move { r })
    }
}

/// A digest-addressed WASM module the mock does not have: 502 before dispatch, as the gate
/// when the module is not loaded.
#[derive(Debug, Clone)]
pub struct MissingModuleProvider;

impl Provider for MissingModuleProvider {
    fn call(&self, call: ProviderCall) -> ProviderFuture {
        let digest = call.spec.spec.provider_module_digest.clone();
        Box::pin(async move {
            Err(ProviderError {
                message: format!("WASM module not found: {digest}"),
                before_dispatch: true,
            })
        })
    }
}

/// The default provider for a manifest's `provider_module_digest`.
pub fn default_for(digest: &str) -> Arc<dyn Provider> {
    match digest {
        "builtin:fs" => Arc::new(FsProvider),
        "builtin:http_api" => Arc::new(HttpEchoProvider),
        _ => Arc::new(MissingModuleProvider),
    }
}

/// `{"ok":false,"error":{"code":…,"message":…}}`.
pub fn error_output(code: &str, message: String) -> Value {
    json!({"ok": false, "error": {"code": code, "message": message}})
}
