//! The agent client: leases, DPoP-authenticated calls, approvals, receipts, discovery.

mod builder;
mod calls;
mod discovery;
mod lease;
mod types;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use crate::connection::{BadHeader, Connection, Credential};
use crate::error::{Endpoint, Error, ErrorKind};
use crate::transport::{Incoming, Outgoing, Target};

pub use crate::connection::{DEFAULT_EXECUTE_TIMEOUT, DEFAULT_TIMEOUT};
pub use builder::ClientBuilder;
pub use calls::{ActionResult, DEFAULT_APPROVAL_WAIT};
use lease::{Lease, LeaseState};
pub use types::{ApprovalStatus, ConnectOptions, LeaseCause, LeaseEvent, LeaseInfo, LeaseParams};

type Hook = Arc<dyn Fn(&LeaseEvent) + Send + Sync>;

/// The agent side of the SDK. Cheap to clone (clones share the lease, the connection pool
/// and the hooks) and safe to use from many tasks at once.
///
/// ```no_run
/// # async fn demo() -> Result<(), latchgate::Error> {
/// let client = latchgate::Client::builder()
///     .base_url("http://127.0.0.1:3000")
///     .agent_id("my-agent")
///     .build()?;
/// let result = client.execute("fs_read", serde_json::json!({"path": "README.md"})).await?;
/// println!("receipt {}", result.receipt_id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    link: Connection,
    agent_id: Option<String>,
    auto_renew: bool,
    state: Mutex<LeaseState>,
    hooks: Mutex<Vec<Hook>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.inner.state();
        f.debug_struct("Client")
            .field("target", self.inner.link.target())
            .field("htu_base", &self.inner.link.htu_base())
            .field("agent_id", &self.inner.agent_id)
            .field(
                "session_id",
                &state.current.as_ref().map(|l| l.session_id.clone()),
            )
            .field("closed", &state.closed)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Start configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Where requests go: the TCP base URL, or `http://localhost` over a Unix socket.
    pub fn request_base_url(&self) -> String {
        match self.inner.link.target() {
            Target::Tcp { base_url } => base_url.clone(),
            Target::Unix { .. } => "http://localhost".to_owned(),
        }
    }

    /// The transport target (TCP base URL or socket path).
    pub fn target(&self) -> &Target {
        self.inner.link.target()
    }

    /// The base every proof's `htu` is built from (the gate's `public_base_url`).
    pub fn htu_base(&self) -> &str {
        self.inner.link.htu_base()
    }

    /// The local agent id (never sent to the gate).
    pub fn agent_id(&self) -> Option<&str> {
        self.inner.agent_id.as_deref()
    }

    /// The current lease's session, if a lease is held.
    pub fn session_id(&self) -> Option<String> {
        self.inner
            .state()
            .current
            .as_ref()
            .map(|l| l.session_id.clone())
    }

    /// The current lease's JWT id.
    pub fn lease_jti(&self) -> Option<String> {
        self.inner
            .state()
            .current
            .as_ref()
            .map(|l| l.lease_jti.clone())
    }

    /// The current lease's expiry.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.inner.state().current.as_ref().map(|l| l.expires_at)
    }

    /// All public facts of the current lease, read atomically.
    pub fn lease_info(&self) -> Option<LeaseInfo> {
        self.inner.state().current.as_ref().map(|l| l.info())
    }

    /// The lease parameters renewals re-send, once recorded.
    pub fn lease_params(&self) -> Option<LeaseParams> {
        self.inner.state().params.clone()
    }

    /// Register a hook called after every lease change, failed renewal and discarded lease.
    /// Hooks run on the calling task; keep them short and do not call the client from them.
    pub fn on_lease_change(&self, hook: impl Fn(&LeaseEvent) + Send + Sync + 'static) {
        lock(&self.inner.hooks).push(Arc::new(hook));
    }

    /// Close the client: later calls fail with `Closed` before any I/O. Idempotent.
    pub fn close(&self) {
        let mut state = self.inner.state();
        state.closed = true;
        state.current = None;
        state.approvals.clear();
    }

    /// Whether [`Client::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.state().closed
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A hook or caller that panicked while holding the lock leaves consistent data behind.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, LeaseState> {
        lock(&self.state)
    }

    fn ensure_open(&self) -> Result<(), Error> {
        if self.state().closed {
            return Err(Error::new(ErrorKind::Closed, "the client was closed"));
        }
        Ok(())
    }

    fn emit(&self, event: LeaseEvent) {
        let hooks: Vec<Hook> = lock(&self.hooks).clone();
        for hook in hooks {
            hook(&event);
        }
    }

    /// Send an agent request with `lease`: `Authorization: DPoP <jwt>` and a proof built
    /// now, for this lease's key and token (C-DPOP-08).
    async fn send_with_lease(
        &self,
        endpoint: Endpoint,
        req: Outgoing,
        lease: &Lease,
    ) -> Result<Incoming, Error> {
        let credential = Credential {
            key: &lease.key,
            token: lease.jwt.expose(),
        };
        let bad_header = |which| {
            let what = match which {
                BadHeader::Token => "JWT",
                BadHeader::Proof => "proof",
            };
            let detail = format!("the lease {what} is not a valid header value");
            Error::protocol(Endpoint::Lease, None, detail)
        };
        self.link
            .send_signed(endpoint, req, credential, bad_header)
            .await
    }
}
