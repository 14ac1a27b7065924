use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::lease::LeaseState;
use super::{Client, Inner};
use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::transport::resolve::{resolve_htu_base, resolve_target};
use crate::transport::{Env, Target, Transport};
use crate::validate;

/// Default whole-request deadline (C-NET-01).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default deadline of execute and approve, which wait for the action (C-NET-01).
pub const DEFAULT_EXECUTE_TIMEOUT: Duration = Duration::from_secs(60);

/// Configures a [`Client`]. Nothing is checked or opened until [`ClientBuilder::build`],
/// which validates everything before any I/O.
///
/// Transport, first match wins: [`base_url`](Self::base_url) (TCP) or
/// [`socket`](Self::socket) (Unix socket; both together is `InvalidInput`), then
/// `LATCHGATE_URL`, then `$XDG_RUNTIME_DIR/latchgate/gate.sock`, then
/// `/tmp/latchgate-<uid>/gate.sock`. The htu base: [`public_base_url`](Self::public_base_url),
/// then `LATCHGATE_PUBLIC_BASE_URL`, then the TCP base URL or, over a socket,
/// `http://localhost:3000`. These three variables are all the SDK reads.
#[derive(Debug, Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    socket: Option<PathBuf>,
    public_base_url: Option<String>,
    agent_id: Option<String>,
    timeout: Option<Duration>,
    execute_timeout: Option<Duration>,
    clock: Option<Arc<dyn Clock>>,
    auto_renew: Option<bool>,
    env: Option<Env>,
}

impl ClientBuilder {
    /// Talk HTTP over TCP to this base URL (`http://host:port[/prefix]`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Talk HTTP over this Unix domain socket (the client socket, `gate.sock`).
    pub fn socket(mut self, path: impl Into<PathBuf>) -> Self {
        self.socket = Some(path.into());
        self
    }

    /// The gate's `public_base_url`, used only to build proof `htu` values.
    pub fn public_base_url(mut self, url: impl Into<String>) -> Self {
        self.public_base_url = Some(url.into());
        self
    }

    /// A local agent id: enables lazy connect and labels logs; never sent to the gate.
    pub fn agent_id(mut self, id: impl Into<String>) -> Self {
        self.agent_id = Some(id.into());
        self
    }

    /// Whole-request deadline of every request but execute (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Whole-request deadline of execute (default the larger of 60 s and
    /// [`timeout`](Self::timeout)).
    pub fn execute_timeout(mut self, timeout: Duration) -> Self {
        self.execute_timeout = Some(timeout);
        self
    }

    /// The clock for lease renewal, proof `iat` and approval waits (default the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Renew and re-lease automatically (default `true`). With `false`, leases come only from
    /// [`Client::connect`] and the first lazy connect, and a call whose lease expired or was
    /// rejected fails with `LeaseExpired` before any I/O.
    pub fn auto_renew(mut self, auto_renew: bool) -> Self {
        self.auto_renew = Some(auto_renew);
        self
    }

    /// Read the environment from `env` instead of the process (for tests and embedding).
    pub fn environment(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// Validate the configuration and create the client (no I/O happens here).
    pub fn build(self) -> Result<Client, Error> {
        let env = self.env.unwrap_or_else(Env::process);
        let target = resolve_target(
            self.base_url.as_deref(),
            self.socket.as_deref(),
            &env,
            "gate.sock",
        )?;
        let htu_base = resolve_htu_base(self.public_base_url.as_deref(), &env, &target)?;
        if let Some(id) = &self.agent_id {
            validate::identifier("agent_id", id)?;
        }
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let execute_timeout = self
            .execute_timeout
            .unwrap_or_else(|| timeout.max(DEFAULT_EXECUTE_TIMEOUT));
        for (field, d) in [("timeout", timeout), ("execute_timeout", execute_timeout)] {
            if d.is_zero() {
                return Err(Error::invalid_input(
                    field,
                    format!("{field} must be positive"),
                ));
            }
        }
        if let Target::Unix { path } = &target {
            if path.to_string_lossy().ends_with("gate-admin.sock") {
                tracing::warn!(
                    socket = %path.display(),
                    "an agent client targets the admin socket; agents belong on gate.sock (receipts need operator auth there)"
                );
            }
        }
        Ok(Client {
            inner: Arc::new(Inner {
                transport: Transport::new(target),
                htu_base,
                agent_id: self.agent_id,
                timeout,
                execute_timeout,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                auto_renew: self.auto_renew.unwrap_or(true),
                state: Mutex::new(LeaseState::default()),
                hooks: Mutex::new(Vec::new()),
            }),
        })
    }
}
