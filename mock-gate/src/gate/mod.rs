//! `MockGate`: build, start, observe and stop one in-process gate.

mod builder;
mod control;

pub use builder::{Bind, MockGateBuilder, StartError};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::settings::OperatorCredential;
use crate::control::clock::VirtualClock;
use crate::control::faults::Faults;
use crate::control::journal::Journal;
use crate::state::GateState;

/// A running mock gate. Dropping it stops the listeners.
pub struct MockGate {
    pub(super) state: Arc<GateState>,
    pub(super) url: Option<String>,
    pub(super) admin_url: Option<String>,
    pub(super) socket: Option<PathBuf>,
    pub(super) admin_socket: Option<PathBuf>,
    pub(super) shutdown: watch::Sender<bool>,
    pub(super) tasks: Mutex<Vec<JoinHandle<()>>>,
    pub(super) _tempdir: Option<tempfile::TempDir>,
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

    /// The client listener's base URL, `http://127.0.0.1:PORT` (wiremock's `uri()` convention):
    /// what `latchgate::Client::builder().base_url(..)` takes.
    ///
    /// # Panics
    ///
    /// When the gate was started with `.sockets_only()` (no TCP listener): use
    /// [`MockGate::socket_path`] there, or [`MockGate::url`] to test for a TCP listener.
    pub fn uri(&self) -> String {
        match &self.url {
            Some(url) => url.clone(),
            None => panic!("MockGate::uri: this gate has no TCP listener (.sockets_only()); connect through socket_path()"),
        }
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

    /// The `/_mock/` control token (`None` when built with `control_open`).
    pub fn control_token(&self) -> Option<&str> {
        self.state.settings.control.token_str()
    }

    /// A client of this gate's `/_mock/` control API (admin TCP listener, else admin socket),
    /// carrying the control token.
    pub fn control_client(&self) -> Option<crate::ControlClient> {
        let c = match (&self.admin_url, &self.admin_socket) {
            (Some(url), _) => crate::ControlClient::tcp(url.clone()),
            (None, Some(sock)) => crate::ControlClient::unix(sock.clone()),
            (None, None) => return None,
        };
        Some(match self.control_token() {
            Some(t) => c.with_token(t),
            None => c,
        })
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
    pub(crate) fn state(&self) -> &Arc<GateState> {
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
