use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::{Inner, OperatorClient};
use crate::agent::{DEFAULT_EXECUTE_TIMEOUT, DEFAULT_TIMEOUT};
use crate::clock::{Clock, SystemClock};
use crate::crypto::dpop::DpopKey;
use crate::error::Error;
use crate::secret::Secret;
use crate::transport::resolve::{default_socket_in, resolve_operator_htu_base, resolve_target};
use crate::transport::{Env, Target, Transport};

/// Configures an [`OperatorClient`].
///
/// Transport: [`base_url`](Self::base_url) (admin TCP, default port 3001) or
/// [`socket`](Self::socket); by default the admin socket `gate-admin.sock` next to the
/// client socket. The htu base: [`public_base_url`](Self::public_base_url), then
/// `LATCHGATE_PUBLIC_BASE_URL`, then `http://localhost:3000` — never the admin address.
#[derive(Debug, Default)]
pub struct OperatorClientBuilder {
    base_url: Option<String>,
    socket: Option<PathBuf>,
    public_base_url: Option<String>,
    api_key: Option<Secret>,
    key: Option<DpopKey>,
    key_pem: Option<Secret>,
    key_file: Option<PathBuf>,
    timeout: Option<Duration>,
    approve_timeout: Option<Duration>,
    clock: Option<Arc<dyn Clock>>,
    env: Option<Env>,
}

impl OperatorClientBuilder {
    /// The admin listener over TCP.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The admin socket (`gate-admin.sock`).
    pub fn socket(mut self, path: impl Into<PathBuf>) -> Self {
        self.socket = Some(path.into());
        self
    }

    /// The gate's `public_base_url` (htu base of every proof).
    pub fn public_base_url(mut self, url: impl Into<String>) -> Self {
        self.public_base_url = Some(url.into());
        self
    }

    /// The operator API key (a secret: never logged or shown).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(Secret::new(key.into()));
        self
    }

    /// The operator's P-256 key.
    pub fn key(mut self, key: DpopKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The operator's P-256 key as PEM (PKCS#8 or SEC1).
    pub fn key_pem(mut self, pem: impl Into<String>) -> Self {
        self.key_pem = Some(Secret::new(pem.into()));
        self
    }

    /// A PEM file holding the operator's P-256 key; a warning is logged when group or others
    /// may read it.
    pub fn key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.key_file = Some(path.into());
        self
    }

    /// Deadline of every request but approve (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Deadline of approve, which runs the action (default the larger of 60 s and
    /// [`timeout`](Self::timeout)).
    pub fn approve_timeout(mut self, timeout: Duration) -> Self {
        self.approve_timeout = Some(timeout);
        self
    }

    /// The clock for proof `iat` (default the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Read the environment from `env` instead of the process.
    pub fn environment(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// Validate and create the client (no I/O other than reading a key file).
    pub fn build(self) -> Result<OperatorClient, Error> {
        let env = self.env.unwrap_or_else(Env::process);
        let target = match (self.base_url.as_deref(), self.socket.as_deref()) {
            (None, None) => Target::Unix {
                path: default_socket_in(&env, "gate-admin.sock")?,
            },
            // LATCHGATE_URL names the agent listener, so it is not consulted here.
            (base, socket) => {
                resolve_target(base, socket, &Env::from_pairs(&[]), "gate-admin.sock")?
            }
        };
        let htu_base = resolve_operator_htu_base(self.public_base_url.as_deref(), &env)?;
        let api_key = match self.api_key {
            Some(key) if !key.is_empty() => key,
            _ => {
                return Err(Error::invalid_input(
                    "api_key",
                    "an operator API key is required",
                ))
            }
        };
        let key = match (self.key, self.key_pem, self.key_file) {
            (Some(key), None, None) => key,
            (None, Some(pem), None) => parse_pem(pem.expose(), "key_pem")?,
            (None, None, Some(path)) => load_key_file(&path)?,
            (None, None, None) => {
                return Err(Error::invalid_input(
                    "key",
                    "an operator P-256 key is required",
                ))
            }
            _ => {
                return Err(Error::invalid_input(
                    "key",
                    "give exactly one of key, key_pem and key_file",
                ))
            }
        };
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let approve_timeout = self
            .approve_timeout
            .unwrap_or_else(|| timeout.max(DEFAULT_EXECUTE_TIMEOUT));
        for (field, d) in [("timeout", timeout), ("approve_timeout", approve_timeout)] {
            if d.is_zero() {
                return Err(Error::invalid_input(
                    field,
                    format!("{field} must be positive"),
                ));
            }
        }
        Ok(OperatorClient {
            inner: Arc::new(Inner {
                transport: Transport::new(target),
                htu_base,
                api_key,
                key,
                timeout,
                approve_timeout,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            }),
        })
    }
}

fn parse_pem(pem: &str, field: &str) -> Result<DpopKey, Error> {
    // The parser's message names the formats it tried; it never echoes key material.
    DpopKey::from_pem(pem).map_err(|e| Error::invalid_input(field, e.to_string()))
}

fn load_key_file(path: &Path) -> Result<DpopKey, Error> {
    let pem = std::fs::read_to_string(path).map_err(|e| {
        Error::invalid_input("key_file", format!("cannot read {}: {e}", path.display()))
    })?;
    warn_if_readable_by_others(path);
    parse_pem(&pem, "key_file")
}

fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                file = %path.display(),
                mode = format!("{:o}", mode & 0o777),
                "the operator key file can be read by group or others; chmod 600 it"
            );
        }
    }
}
