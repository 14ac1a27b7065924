use std::sync::{Arc, Mutex};

use super::lease::LeaseState;
use super::{Client, Inner};
use crate::connection::{shared_setters, Role, Settings};
use crate::error::Error;
use crate::transport::Target;
use crate::validate;

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
    settings: Settings,
    agent_id: Option<String>,
    auto_renew: Option<bool>,
}

impl ClientBuilder {
    shared_setters!(
        listener: "client listener",
        socket: "the client socket, `gate.sock`",
        long: "execute" => execute_timeout,
        clock: "lease renewal, proof `iat` and approval waits"
    );

    /// A local agent id: enables lazy connect and labels logs; never sent to the gate.
    pub fn agent_id(mut self, id: impl Into<String>) -> Self {
        self.agent_id = Some(id.into());
        self
    }

    /// Renew and re-lease automatically (default `true`). With `false`, leases come only from
    /// [`Client::connect`] and the first lazy connect, and a call whose lease expired or was
    /// rejected fails with `LeaseExpired` before any I/O.
    pub fn auto_renew(mut self, auto_renew: bool) -> Self {
        self.auto_renew = Some(auto_renew);
        self
    }

    /// Validate the configuration and create the client (no I/O happens here).
    pub fn build(self) -> Result<Client, Error> {
        let link = self.settings.connect(Role::Agent)?;
        if let Some(id) = &self.agent_id {
            validate::identifier("agent_id", id)?;
        }
        if let Target::Unix { path } = link.target() {
            if path.to_string_lossy().ends_with("gate-admin.sock") {
                tracing::warn!(
                    socket = %path.display(),
                    "an agent client targets the admin socket; agents belong on gate.sock (receipts need operator auth there)"
                );
            }
        }
        Ok(Client {
            inner: Arc::new(Inner {
                link,
                agent_id: self.agent_id,
                auto_renew: self.auto_renew.unwrap_or(true),
                state: Mutex::new(LeaseState::default()),
                hooks: Mutex::new(Vec::new()),
            }),
        })
    }
}
