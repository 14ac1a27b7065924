//! `MockGateBuilder`: what a gate is made of, and `start`, which binds its listeners.

mod assemble;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::actions::manifest::{ActionSpec, CompiledAction};
use crate::actions::providers::{CannedProvider, Provider};
use crate::actions::{entry_with_default_provider, ActionEntry};
use crate::caps::Caps;
use crate::config::settings::{GateSettings, Identity, OperatorCredential, RateLimits};
use crate::control::access::{validate_token, ControlAccess};
use crate::control::clock::VirtualClock;
use crate::control::mutants::{Lax, Mutant};
use crate::policy::PolicyData;
use crate::wire::server::{self, Bound, ListenerKind};

use self::assemble::build_state;
use super::MockGate;

/// Where a listener binds.
#[derive(Debug, Clone)]
pub enum Bind {
    /// A TCP address (`127.0.0.1:0` for an ephemeral port).
    Tcp(SocketAddr),
    /// A Unix socket path.
    Unix(PathBuf),
}

/// Builds a [`MockGate`]. Defaults: quickstart actions and policy, client and admin on
/// ephemeral loopback TCP ports, public base = the client URL, the real gate's TTLs and rate
/// limits, a generated operator `default`.
pub struct MockGateBuilder {
    pub(super) settings: GateSettings,
    pub(super) client: Vec<Bind>,
    pub(super) admin: Vec<Bind>,
    pub(super) public_base: Option<String>,
    pub(super) quickstart: bool,
    pub(super) extra: Vec<ActionEntry>,
    pub(super) policy: Option<PolicyData>,
    pub(super) grants: Vec<(String, Vec<String>, Vec<String>)>,
    pub(super) clock: Option<Arc<VirtualClock>>,
    pub(super) temp_sockets: bool,
}

impl Default for MockGateBuilder {
    fn default() -> Self {
        Self {
            settings: GateSettings::default(),
            client: vec![Bind::Tcp(([127, 0, 0, 1], 0).into())],
            admin: vec![Bind::Tcp(([127, 0, 0, 1], 0).into())],
            public_base: None,
            quickstart: true,
            extra: Vec::new(),
            policy: None,
            grants: Vec::new(),
            clock: None,
            temp_sockets: false,
        }
    }
}

/// Why a gate did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A listener could not bind.
    #[error("cannot bind {what}: {source}")]
    Bind {
        /// Listener description.
        what: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Bad actions, socket folder, token or keys.
    #[error("{0}")]
    Config(String),
    /// The policy directory or data file cannot be read.
    #[error("{0}")]
    PolicyLoad(crate::policy::PolicyError),
    /// The policy does not compile over its data.
    #[error("policy: {0}")]
    Policy(crate::policy::PolicyError),
}

impl MockGateBuilder {
    /// Client listeners (replaces the default TCP one; empty = none).
    pub fn client_listeners(mut self, binds: Vec<Bind>) -> Self {
        self.client = binds;
        self
    }

    /// Admin listeners (replaces the default TCP one; empty = none).
    pub fn admin_listeners(mut self, binds: Vec<Bind>) -> Self {
        self.admin = binds;
        self
    }

    /// Also serve client and admin routers on Unix sockets in a fresh temporary directory.
    pub fn temp_sockets(mut self) -> Self {
        self.temp_sockets = true;
        self
    }

    /// Only Unix sockets in a temporary directory (no TCP).
    pub fn sockets_only(mut self) -> Self {
        self.client.clear();
        self.admin.clear();
        self.temp_sockets = true;
        self
    }

    /// Base URL the DPoP `htu` is checked against.
    pub fn public_base_url(mut self, url: impl Into<String>) -> Self {
        self.public_base = Some(url.into());
        self
    }

    /// Lease TTL (ceiling 3600 s).
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.settings.lease_ttl_secs = ttl.as_secs();
        self
    }

    /// Identity provider.
    pub fn identity(mut self, identity: Identity) -> Self {
        self.settings.identity = identity;
        self
    }

    /// Principal of the `none` identity provider.
    pub fn principal(mut self, principal: impl Into<String>) -> Self {
        self.settings.identity = Identity::None {
            principal: principal.into(),
            max_scopes: Vec::new(),
            owner: None,
        };
        self
    }

    /// Rate limits ([`RateLimits::unlimited`] for bulk tests).
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.settings.rate_limits = limits;
        self
    }

    /// Dev mode (default `true`, as every quickstart gate); `false` makes approve, deny,
    /// revoke-all, drain and reload take operator write tokens too.
    pub fn dev_mode(mut self, dev_mode: bool) -> Self {
        self.settings.dev_mode = dev_mode;
        self
    }

    /// Gate-wide filesystem root.
    pub fn fs_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.settings.fs_root = Some(root.into());
        self
    }

    /// Allowed prefixes of per-lease `fs_root` (default `[$HOME]`).
    pub fn fs_root_allowed_prefixes(mut self, prefixes: Vec<PathBuf>) -> Self {
        self.settings.fs_root_allowed_prefixes = prefixes;
        self
    }

    /// Replay cache capacity (default 100 000).
    pub fn replay_capacity(mut self, n: usize) -> Self {
        self.settings.replay_capacity = n;
        self
    }

    /// Bounds of the journal, receipts, approvals, audit ledger, learned tables and verified
    /// lease cache (defaults in [`Caps`]; what happens at each bound is documented there).
    pub fn caps(mut self, caps: Caps) -> Self {
        self.settings.caps = caps;
        self
    }

    /// The `/_mock/` control API token (default: a fresh random one, see
    /// [`MockGate::control_token`]); checked when the gate starts.
    pub fn control_token(mut self, token: impl Into<String>) -> Self {
        self.settings.control = ControlAccess::Token(token.into());
        self
    }

    /// Serves the `/_mock/` control API without a token: for isolated test networks only.
    pub fn control_open(mut self) -> Self {
        self.settings.control = ControlAccess::Open;
        self
    }

    /// Adds an operator credential (the generated `default` operator is kept unless replaced
    /// with [`MockGateBuilder::operators`]).
    pub fn operator(mut self, cred: OperatorCredential) -> Self {
        self.settings.operators.push(cred);
        self
    }

    /// Sets the operator credentials (empty = a generated `default`).
    pub fn operators(mut self, creds: Vec<OperatorCredential>) -> Self {
        self.settings.operators = creds;
        self
    }

    /// TEST ONLY: disables one enforcement rule (see [`Mutant`]).
    pub fn mutant(mut self, m: Mutant) -> Self {
        self.settings.switches.mutants.insert(m);
        self
    }

    /// Reproduces one real-gate laxness (see [`Lax`]).
    pub fn lax(mut self, l: Lax) -> Self {
        self.settings.switches.lax.insert(l);
        self
    }

    /// Reproduces every real-gate laxness (exact v0.2.0 behaviour).
    pub fn lax_all(mut self) -> Self {
        self.settings.switches.lax.extend(Lax::ALL);
        self
    }

    /// Without the quickstart actions and policy.
    pub fn without_quickstart(mut self) -> Self {
        self.quickstart = false;
        self
    }

    /// Loads manifests from a directory (replaces the quickstart actions).
    pub fn actions_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.settings.actions_dir = Some(dir.into());
        self
    }

    /// Loads policy data from a file (replaces the quickstart policy).
    pub fn policy_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.settings.policy_file = Some(file.into());
        self
    }

    /// Evaluates the Rego policy of a directory (every `*.rego` under it, entry point
    /// `data.latchgate.decision`) over its `data.json` (or the [`Self::policy_file`] /
    /// [`Self::policy`] data), instead of the built-in quickstart policy. `start` fails, naming
    /// the file and line, when the policy does not load.
    pub fn policy_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.settings.policy_dir = Some(dir.into());
        self
    }

    /// Policy data.
    pub fn policy(mut self, data: PolicyData) -> Self {
        self.policy = Some(data);
        self
    }

    /// Grants actions and sinks to a principal on top of the policy data.
    pub fn grant(mut self, principal: &str, actions: &[&str], sinks: &[&str]) -> Self {
        self.grants.push((
            principal.into(),
            actions.iter().map(|s| s.to_string()).collect(),
            sinks.iter().map(|s| s.to_string()).collect(),
        ));
        self
    }

    /// Registers an action run by the default provider of its digest.
    pub fn action(self, spec: ActionSpec) -> Self {
        self.action_entry(spec, None)
    }

    /// Registers an action that always answers `output`.
    pub fn action_with_output(self, spec: ActionSpec, output: serde_json::Value) -> Self {
        self.action_entry(spec, Some(Arc::new(CannedProvider(output))))
    }

    /// Registers an action run by `provider`.
    pub fn action_with_provider(self, spec: ActionSpec, provider: Arc<dyn Provider>) -> Self {
        self.action_entry(spec, Some(provider))
    }

    fn action_entry(mut self, spec: ActionSpec, provider: Option<Arc<dyn Provider>>) -> Self {
        match CompiledAction::compile(spec) {
            Ok(action) => self.extra.push(match provider {
                Some(provider) => ActionEntry { action, provider },
                None => entry_with_default_provider(action),
            }),
            Err(e) => tracing::error!(error = %e, "action refused"),
        }
        self
    }

    /// Shares a virtual clock (e.g. with the SDK under test).
    pub fn clock(mut self, clock: Arc<VirtualClock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Binds the listeners and starts serving.
    pub async fn start(mut self) -> Result<MockGate, StartError> {
        let tempdir = if self.temp_sockets {
            let dir = tempfile::Builder::new()
                .prefix("latchgate-mock-")
                .tempdir()
                .map_err(|e| StartError::Config(format!("cannot create socket dir: {e}")))?;
            self.client.push(Bind::Unix(dir.path().join("gate.sock")));
            self.admin
                .push(Bind::Unix(dir.path().join("gate-admin.sock")));
            Some(dir)
        } else {
            None
        };
        if let Some(t) = self.settings.control.token_str() {
            validate_token(t).map_err(StartError::Config)?;
        }
        if self.settings.operators.is_empty() {
            self.settings
                .operators
                .push(crate::config::operator_key::generate("default"));
            self.settings.operator_generated = true;
        }
        let (client_bound, client_url, client_sock) = bind_all(&self.client, "client").await?;
        let (admin_bound, admin_url, admin_sock) = bind_all(&self.admin, "admin").await?;
        self.settings.public_base_url = self
            .public_base
            .clone()
            .or_else(|| client_url.clone())
            .unwrap_or_else(|| crate::config::settings::DEFAULT_PUBLIC_BASE_URL.into());
        let state = Arc::new(build_state(&self)?);
        let (tx, rx) = watch::channel(false);
        let mut tasks = Vec::new();
        let client_router = crate::wire::routes::client_router(Arc::clone(&state));
        let admin_router = crate::wire::routes::admin_router(Arc::clone(&state));
        for b in client_bound {
            tasks.push(tokio::spawn(server::serve(
                b,
                ListenerKind::Client,
                client_router.clone(),
                rx.clone(),
            )));
        }
        for b in admin_bound {
            tasks.push(tokio::spawn(server::serve(
                b,
                ListenerKind::Admin,
                admin_router.clone(),
                rx.clone(),
            )));
        }
        Ok(MockGate {
            state,
            url: client_url,
            admin_url,
            socket: client_sock,
            admin_socket: admin_sock,
            shutdown: tx,
            tasks: Mutex::new(tasks),
            _tempdir: tempdir,
        })
    }
}

async fn bind_all(
    binds: &[Bind],
    what: &str,
) -> Result<(Vec<Bound>, Option<String>, Option<PathBuf>), StartError> {
    let mut out = Vec::new();
    let (mut url, mut sock) = (None, None);
    for b in binds {
        match b {
            Bind::Tcp(addr) => {
                let l = tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|source| StartError::Bind {
                        what: format!("{what} {addr}"),
                        source,
                    })?;
                let local = l.local_addr().map_err(|source| StartError::Bind {
                    what: what.into(),
                    source,
                })?;
                url.get_or_insert(format!("http://{local}"));
                out.push(Bound::Tcp(l));
            }
            Bind::Unix(path) => {
                let l = server::bind_unix(path).map_err(|source| StartError::Bind {
                    what: format!("{what} {}", path.display()),
                    source,
                })?;
                sock.get_or_insert(path.clone());
                out.push(Bound::Unix(l, path.clone()));
            }
        }
    }
    Ok((out, url, sock))
}
