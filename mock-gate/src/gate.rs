//! `MockGate`: build, start, observe and stop one in-process gate.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::approvals::ApprovalStore;
use crate::budgets::BudgetStore;
use crate::clock::VirtualClock;
use crate::dpop::KeyCache;
use crate::faults::Faults;
use crate::journal::Journal;
use crate::lease::LeaseIssuer;
use crate::manifest::{ActionSpec, CompiledAction};
use crate::metrics::Metrics;
use crate::mutants::{Lax, Mutant};
use crate::policy::PolicyData;
use crate::providers::{CannedProvider, Provider};
use crate::ratelimit::RateLimiter;
use crate::receipts::{ReceiptSigner, ReceiptStore};
use crate::replay::ReplayCache;
use crate::server::{self, Bound, ListenerKind};
use crate::settings::{GateSettings, Identity, OperatorCredential, RateLimits};
use crate::state::{entry_with_default_provider, ActionEntry, GateState, Limiters, Registry};

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
    settings: GateSettings,
    client: Vec<Bind>,
    admin: Vec<Bind>,
    public_base: Option<String>,
    quickstart: bool,
    extra: Vec<ActionEntry>,
    policy: Option<PolicyData>,
    grants: Vec<(String, Vec<String>, Vec<String>)>,
    clock: Option<Arc<VirtualClock>>,
    temp_sockets: bool,
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
    /// Bad actions, policy or keys.
    #[error("{0}")]
    Config(String),
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
        if self.settings.operators.is_empty() {
            self.settings
                .operators
                .push(crate::operator_key::generate("default"));
        }
        let (client_bound, client_url, client_sock) = bind_all(&self.client, "client").await?;
        let (admin_bound, admin_url, admin_sock) = bind_all(&self.admin, "admin").await?;
        self.settings.public_base_url = self
            .public_base
            .clone()
            .or_else(|| client_url.clone())
            .unwrap_or_else(|| crate::settings::DEFAULT_PUBLIC_BASE_URL.into());
        let state = Arc::new(build_state(&self)?);
        let (tx, rx) = watch::channel(false);
        let mut tasks = Vec::new();
        let client_router = crate::routes::client_router(Arc::clone(&state));
        let admin_router = crate::routes::admin_router(Arc::clone(&state));
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

fn load_registry(b: &MockGateBuilder) -> Result<Registry, StartError> {
    let mut reg = Registry::new();
    let base = match &b.settings.actions_dir {
        Some(dir) => crate::fixtures::load_actions_dir(dir).map_err(StartError::Config)?,
        None if b.quickstart => crate::fixtures::quickstart_actions(),
        None => Vec::new(),
    };
    for a in base {
        reg.insert(a.spec.action_id.clone(), entry_with_default_provider(a));
    }
    for e in &b.extra {
        reg.insert(e.action.spec.action_id.clone(), e.clone());
    }
    Ok(reg)
}

fn load_policy(b: &MockGateBuilder) -> Result<PolicyData, StartError> {
    let mut p = match (&b.policy, &b.settings.policy_file) {
        (Some(p), _) => p.clone(),
        (None, Some(f)) => read_policy(f).map_err(StartError::Config)?,
        (None, None) if b.quickstart => crate::fixtures::quickstart_policy(),
        (None, None) => PolicyData::default(),
    };
    for (who, actions, sinks) in &b.grants {
        let a: Vec<&str> = actions.iter().map(String::as_str).collect();
        let s: Vec<&str> = sinks.iter().map(String::as_str).collect();
        p.grant(who, &a, &s);
    }
    Ok(p)
}

fn read_policy(f: &Path) -> Result<PolicyData, String> {
    let text = std::fs::read_to_string(f)
        .map_err(|e| format!("cannot read policy file {}: {e}", f.display()))?;
    PolicyData::from_json(&text).map_err(|e| format!("{}: {e}", f.display()))
}

fn build_state(b: &MockGateBuilder) -> Result<GateState, StartError> {
    let registry = load_registry(b)?;
    let policy = load_policy(b)?;
    let clock = b.clock.clone().unwrap_or_default();
    let rl = b.settings.rate_limits;
    Ok(GateState {
        issuer: LeaseIssuer::generate().map_err(StartError::Config)?,
        replay: ReplayCache::new(b.settings.replay_capacity),
        key_cache: KeyCache::default(),
        initial_registry: registry.clone(),
        registry: RwLock::new(registry),
        initial_policy: policy.clone(),
        policy: RwLock::new(policy),
        learned: Default::default(),
        budgets: BudgetStore::default(),
        approvals: ApprovalStore::default(),
        receipts: ReceiptStore::default(),
        signer: ReceiptSigner::generate(clock.now_utc()),
        draining: AtomicBool::new(false),
        epoch: AtomicU64::new(0),
        started: Instant::now(),
        session_fs_roots: Mutex::new(Default::default()),
        limiters: Limiters {
            lease: RateLimiter::new(rl.lease_rps),
            execute_session: RateLimiter::new(rl.execute_session_rps),
            execute_peer: RateLimiter::new(rl.execute_peer_rps),
            operator_read: RateLimiter::new(rl.operator_read_rps),
            operator_write: RateLimiter::new(rl.operator_write_rps),
        },
        journal: Journal::default(),
        faults: Faults::default(),
        metrics: Metrics::default(),
        in_flight: AtomicU64::new(0),
        audit: Default::default(),
        clock,
        settings: b.settings.clone(),
    })
}

/// `/v1/admin/reload`: re-reads the actions dir and policy file when configured.
pub fn reload_from_sources(st: &GateState) -> Result<(), String> {
    if let Some(dir) = &st.settings.actions_dir {
        let actions = crate::fixtures::load_actions_dir(dir)?;
        let mut reg: BTreeMap<String, ActionEntry> = BTreeMap::new();
        for a in actions {
            reg.insert(a.spec.action_id.clone(), entry_with_default_provider(a));
        }
        *st.registry.write().unwrap_or_else(|e| e.into_inner()) = reg;
    }
    if let Some(f) = &st.settings.policy_file {
        *st.policy.write().unwrap_or_else(|e| e.into_inner()) = read_policy(f)?;
    }
    Ok(())
}

/// A running mock gate. Dropping it stops the listeners.
pub struct MockGate {
    state: Arc<GateState>,
    url: Option<String>,
    admin_url: Option<String>,
    socket: Option<PathBuf>,
    admin_socket: Option<PathBuf>,
    shutdown: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    _tempdir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for MockGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockGate")
            .field("url", &self.url)
            .field("admin_url", &self.admin_url)
            .field("socket", &self.socket)
            .field("admin_socket", &self.admin_socket)
            .finish()
    }
}

impl MockGate {
    /// A builder with the quickstart defaults.
    pub fn builder() -> MockGateBuilder {
        MockGateBuilder::default()
    }

    /// Starts a quickstart gate on ephemeral loopback ports.
    pub async fn start() -> Result<Self, StartError> {
        Self::builder().start().await
    }

    /// Client listener URL (`http://127.0.0.1:port`), when TCP.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// Admin listener URL, when TCP.
    pub fn admin_url(&self) -> Option<&str> {
        self.admin_url.as_deref()
    }

    /// Client Unix socket, when bound.
    pub fn socket_path(&self) -> Option<&Path> {
        self.socket.as_deref()
    }

    /// Admin Unix socket, when bound.
    pub fn admin_socket_path(&self) -> Option<&Path> {
        self.admin_socket.as_deref()
    }

    /// The public base every `htu` is checked against.
    pub fn public_base_url(&self) -> &str {
        &self.state.settings.public_base_url
    }

    /// The first operator credential (generated `default` unless configured), with its key.
    pub fn operator_credentials(&self) -> &OperatorCredential {
        &self.state.settings.operators[0]
    }

    /// An operator client with working credentials (admin TCP listener, else admin socket).
    pub fn operator(&self) -> Result<latchgate::OperatorClient, latchgate::Error> {
        let cred = self.operator_credentials();
        let mut b = latchgate::OperatorClient::builder()
            .public_base_url(self.public_base_url())
            .api_key(cred.api_key.clone())
            .key_pem(cred.private_key_pem.clone().unwrap_or_default());
        b = match (&self.admin_url, &self.admin_socket) {
            (Some(url), _) => b.base_url(url.clone()),
            (None, Some(sock)) => b.socket(sock.clone()),
            (None, None) => b,
        };
        b.build()
    }

    /// The request journal.
    pub fn journal(&self) -> &Journal {
        &self.state.journal
    }

    /// The virtual clock.
    pub fn clock(&self) -> Arc<VirtualClock> {
        Arc::clone(&self.state.clock)
    }

    /// Fault injection.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Internal state (journal, stores, registry) for advanced tests.
    pub fn state(&self) -> &Arc<GateState> {
        &self.state
    }

    /// Back to the state at start (keys, listeners, settings stay).
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Stops the listeners, waits for open connections to finish, removes the sockets.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let tasks: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for t in tasks {
            let _ = t.await;
        }
    }
}

impl Drop for MockGate {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
