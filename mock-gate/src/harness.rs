//! What the fuzz targets, the benches and the binary drive beyond the crate root. Not a stable
//! API: it follows the crate's internals.
//!
//! * [`FuzzGate`]: an offline quickstart gate whose client and admin routers are called
//!   in-process (`mock-gate/fuzz/`, `tests/fuzzing.rs`);
//! * [`policy`]: the Rego engine and its input, for `benches/gate.rs`;
//! * [`cli`] (feature `cli`): the `latchgate-mock` binary's flags and ready line.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::Router;
use bytes::Bytes;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::actions::manifest::ActionSpec;
use crate::auth::lease::LeaseClaims;
use crate::config::quickstart::{QUICKSTART_HTTP_FETCH, QUICKSTART_HTTP_POST};
use crate::config::settings::OperatorCredential;
use crate::gate::{MockGate, StartError};
use crate::wire::server::{ListenerKind, Peer};

/// The policy engine as the execute pipeline calls it.
pub mod policy {
    pub use crate::actions::manifest::{EgressProfile, RiskLevel};
    pub use crate::policy::load::{quickstart_data, quickstart_modules};
    pub use crate::policy::{Budgets, PolicyEngine, PolicyInput, Verdict};
}

/// The binary's command line (`src/main.rs`).
#[cfg(feature = "cli")]
pub mod cli {
    pub use crate::cli::{builder_from, ready_line, Cli, Command, ConfigError, LogFormat};
}

/// The virtual time every request of a fuzz input sees (2023-11-14T22:13:20Z).
pub const FUZZ_NOW_UNIX: u64 = 1_700_000_000;

/// The public base every `htu` is checked against.
pub const FUZZ_PUBLIC_BASE: &str = "http://localhost:3000";

/// An answer of the gate.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: http::HeaderMap,
    /// Response body.
    pub body: Bytes,
}

/// A quickstart gate without listeners: `fs_*` actions run on a temporary root holding
/// `README.md`, `notes/todo.md` and an empty `docs/`, `http_*` actions answer canned outputs (no network), and
/// the agent may call all four actions (`fs_write` and `http_post` are held for an operator).
pub struct FuzzGate {
    gate: MockGate,
    client: Router,
    admin: Router,
    root: tempfile::TempDir,
}

impl FuzzGate {
    /// Starts the gate (call inside a tokio runtime).
    pub async fn start() -> Result<Self, StartError> {
        let root = tempfile::tempdir()
            .map_err(|e| StartError::Config(format!("cannot create fs root: {e}")))?;
        let canned = |yaml: &str| {
            ActionSpec::from_yaml(yaml).map_err(|e| StartError::Config(format!("manifest: {e}")))
        };
        let gate = MockGate::builder()
            .client_listeners(Vec::new())
            .admin_listeners(Vec::new())
            .public_base_url(FUZZ_PUBLIC_BASE)
            .fs_root(root.path())
            .fs_root_allowed_prefixes(vec![root.path().to_path_buf()])
            .grant(
                "dev:anonymous",
                &["fs_read", "fs_write", "http_fetch", "http_post"],
                &["fs_read", "fs_write", "http_read", "http_write"],
            )
            .action_with_output(
                canned(QUICKSTART_HTTP_FETCH)?,
                serde_json::json!({"status": 200, "body": "ok"}),
            )
            .action_with_output(
                canned(QUICKSTART_HTTP_POST)?,
                serde_json::json!({"status": 201, "body": "created"}),
            )
            .start()
            .await?;
        let client = crate::wire::routes::client_router(Arc::clone(gate.state()));
        let admin = crate::wire::routes::admin_router(Arc::clone(gate.state()));
        let g = Self {
            gate,
            client,
            admin,
            root,
        };
        g.reset();
        Ok(g)
    }

    /// Back to the state at start, with the clock frozen at [`FUZZ_NOW_UNIX`] and the fs root
    /// holding only its two files and `docs/`.
    pub fn reset(&self) {
        self.gate.reset();
        let clock = self.gate.clock();
        clock.set(SystemTime::UNIX_EPOCH + Duration::from_secs(FUZZ_NOW_UNIX));
        clock.freeze();
        restore_root(self.root.path());
    }

    /// Sends one request to the client (`admin == false`) or admin router.
    pub async fn send(&self, admin: bool, req: http::Request<Bytes>) -> Answer {
        let (router, listener) = if admin {
            (&self.admin, ListenerKind::Admin)
        } else {
            (&self.client, ListenerKind::Client)
        };
        let mut req = req.map(Body::from);
        req.extensions_mut().insert(Peer {
            listener,
            uid: None,
        });
        let resp = match router.clone().oneshot(req).await {
            Ok(r) => r,
            Err(e) => match e {},
        };
        let (parts, body) = resp.into_parts();
        let body = body
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        Answer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }

    /// The generated operator credential (api key and private key PEM).
    pub fn operator(&self) -> &OperatorCredential {
        self.gate.operator_credentials()
    }

    /// Signs `claims` with the gate's lease key when they have the shape of lease claims.
    pub fn sign_lease(&self, claims: &serde_json::Value) -> Option<String> {
        let claims: LeaseClaims = serde_json::from_value(claims.clone()).ok()?;
        self.gate.state().issuer.sign(&claims).ok()
    }
}

fn restore_root(root: &Path) {
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            let p = e.path();
            let _ = std::fs::remove_dir_all(&p).or_else(|_| std::fs::remove_file(&p));
        }
    }
    let _ = std::fs::create_dir_all(root.join("notes"));
    let _ = std::fs::create_dir_all(root.join("docs"));
    let _ = std::fs::write(root.join("README.md"), "# fuzz root\n");
    let _ = std::fs::write(root.join("notes/todo.md"), "- nothing\n");
}
