//! Targets: the gate a run talks to. Each kind of target is one module that turns its spec into a
//! [`TargetProvider`]; adding a kind (e.g. `docker:IMAGE`) means adding a module and one arm in
//! [`TargetSpec::parse`] / [`provider`].

#[cfg(feature = "docker")]
pub mod docker;
mod error;
mod mock;
mod remote;

use crate::catalogue::Need;
use crate::http::Endpoint;
use futures::future::BoxFuture;
use latchgate::crypto::dpop::DpopKey;
use std::any::Any;
use std::sync::Arc;

pub use error::{AcquireError, TargetError, TargetSpecError};
pub use mock::MockTarget;
pub use remote::RemoteTarget;

/// Operator credentials for the admin listener.
#[derive(Clone)]
pub struct OperatorCreds {
    /// The api key sent as `Authorization: DPoP <api_key>`.
    pub api_key: String,
    /// The P-256 key whose thumbprint is the configured `dpop_jkt`.
    pub key: Arc<DpopKey>,
}

impl std::fmt::Debug for OperatorCreds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OperatorCreds { api_key: <redacted>, key: <redacted> }")
    }
}

/// Control over the target's time (the mock's virtual clock).
pub trait ClockControl: Send + Sync {
    /// The target's current Unix time in seconds.
    fn now(&self) -> i64;
    /// Moves the target's clock forward.
    fn advance(&self, secs: u64);
    /// Stops the clock from following real time (exact boundaries for crafted proofs).
    fn freeze(&self);
}

/// Everything a scenario knows about a running gate.
#[derive(Clone)]
pub struct GateEnv {
    /// The client listener.
    pub client: Endpoint,
    /// The admin listener, if known.
    pub admin: Option<Endpoint>,
    /// The gate's `public_base_url` (the htu base), no trailing slash.
    pub public_base: String,
    /// Operator credentials, if given.
    pub operator: Option<OperatorCreds>,
    /// The target's clock, if it can be read and moved.
    pub clock: Option<Arc<dyn ClockControl>>,
    /// True when this gate serves only the current scenario.
    pub disposable: bool,
    /// Tells a target-side mutation or fault layer is present (the mock's fault injection).
    pub faults: bool,
    /// Token of the mock's `/_mock/` control API, sent as `Authorization: Bearer <token>`.
    pub control_token: Option<String>,
    /// The gate's filesystem root, when known (`diff` normalizes it away).
    pub fs_root: Option<String>,
}

impl GateEnv {
    /// The reason this env cannot satisfy `need`, if it cannot.
    pub fn lacks(&self, need: &Need) -> Option<String> {
        match need {
            Need::Operator if self.operator.is_none() || self.admin.is_none() => {
                Some("needs operator credentials and the admin listener (--admin, --operator-token, --operator-key)".into())
            }
            Need::Clock if self.clock.is_none() => Some("needs control of the gate's clock (mock target only)".into()),
            Need::Faults if !self.faults => Some("needs fault injection in the gate (mock target only)".into()),
            Need::Disposable if !self.disposable => {
                Some("changes the gate for good (e.g. drains it); runs only on a gate started for the scenario".into())
            }
            Need::Socket if !matches!(self.client, Endpoint::Unix(_)) => Some("needs a Unix-socket target".into()),
            Need::Actions if self.admin.is_none() => Some(
                "needs to register actions through the mock's control API on the admin listener (--admin)".into(),
            ),
            _ => None,
        }
    }

    /// Current Unix time as the gate sees it: its clock if controllable, else the local clock.
    pub fn now(&self) -> i64 {
        match &self.clock {
            Some(c) => c.now(),
            None => chrono::Utc::now().timestamp(),
        }
    }
}

/// A gate acquired for one scenario; dropping it releases the gate (a per-scenario mock stops).
pub struct Acquired {
    /// The gate's description.
    pub env: GateEnv,
    /// Whatever keeps the gate alive.
    pub guard: Box<dyn Any + Send>,
}

/// `--operator-token` and `--operator-key`, if given, as credentials.
pub(crate) fn operator_creds(
    given: Option<&(String, String)>,
) -> Result<Option<OperatorCreds>, TargetError> {
    given
        .map(|(token, key)| load_operator(token, key))
        .transpose()
}

/// Operator credentials from an api key and a PEM file path or PEM text.
pub(crate) fn load_operator(token: &str, key: &str) -> Result<OperatorCreds, TargetError> {
    let pem = if key.contains("-----BEGIN") {
        key.to_string()
    } else {
        std::fs::read_to_string(key).map_err(|source| TargetError::OperatorKeyFile {
            path: key.to_string(),
            source,
        })?
    };
    Ok(OperatorCreds {
        api_key: token.to_string(),
        key: Arc::new(DpopKey::from_pem(&pem)?),
    })
}

/// Hands out gates to scenarios.
pub trait TargetProvider: Send + Sync {
    /// How the target is named in reports, e.g. `mock (in-process)`.
    fn describe(&self) -> String;
    /// A gate for one scenario.
    fn acquire(&self) -> BoxFuture<'_, Result<Acquired, AcquireError>>;
}

/// A parsed `--target` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetSpec {
    /// The in-process mock gate, a fresh one per scenario.
    Mock,
    /// A gate at a TCP URL.
    Url(String),
    /// A gate on a Unix socket.
    Socket(std::path::PathBuf),
    /// A container image (started through testcontainers).
    Docker(String),
}

impl TargetSpec {
    /// Parses `mock`, `url:URL`, `socket:PATH`, `docker:IMAGE`; the error names the problem.
    pub fn parse(s: &str) -> Result<Self, TargetSpecError> {
        if s == "mock" {
            return Ok(TargetSpec::Mock);
        }
        if let Some(u) = s.strip_prefix("url:") {
            let parsed = url::Url::parse(u).map_err(|source| TargetSpecError::Url {
                url: u.to_string(),
                source,
            })?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                return Err(TargetSpecError::NotHttp(u.to_string()));
            }
            if parsed.scheme() == "https" {
                return Err(TargetSpecError::Https(u.to_string()));
            }
            return Ok(TargetSpec::Url(u.trim_end_matches('/').to_string()));
        }
        if let Some(p) = s.strip_prefix("socket:") {
            if p.is_empty() {
                return Err(TargetSpecError::NoSocketPath);
            }
            return Ok(TargetSpec::Socket(p.into()));
        }
        if let Some(i) = s.strip_prefix("docker:") {
            if i.is_empty() {
                return Err(TargetSpecError::NoImage);
            }
            return Ok(TargetSpec::Docker(i.into()));
        }
        Err(TargetSpecError::Unknown(s.to_string()))
    }
}

/// Options that shape a remote target.
#[derive(Clone, Debug, Default)]
pub struct RemoteOptions {
    /// `--admin URL` or `unix:PATH`.
    pub admin: Option<Endpoint>,
    /// `--public-base-url`; default: the target URL, or `http://localhost:3000` for a socket.
    pub public_base: Option<String>,
    /// `--operator-token` and `--operator-key`.
    pub operator: Option<(String, String)>,
    /// `--control-token`: the mock's control-API token.
    pub control_token: Option<String>,
    /// The gate's filesystem root, when known (`diff --fs-root-a/-b`).
    pub fs_root: Option<String>,
}

/// Builds the provider for a target spec.
pub fn provider(
    spec: &TargetSpec,
    opts: &RemoteOptions,
) -> Result<Arc<dyn TargetProvider>, TargetError> {
    Ok(match spec {
        TargetSpec::Mock => Arc::new(MockTarget::new()),
        TargetSpec::Url(u) => Arc::new(RemoteTarget::new(Endpoint::Tcp(u.clone()), opts)?),
        TargetSpec::Socket(p) => Arc::new(RemoteTarget::new(Endpoint::Unix(p.clone()), opts)?),
        #[cfg(not(feature = "docker"))]
        TargetSpec::Docker(_) => return Err(TargetError::NoDockerFeature),
        #[cfg(feature = "docker")]
        TargetSpec::Docker(image) => {
            let mut o = docker::DockerOptions::new(image.clone());
            o.public_base = opts.public_base.clone();
            o.operator = opts.operator.clone();
            o.control_token = opts.control_token.clone();
            Arc::new(docker::DockerTarget::new(o)?)
        }
    })
}
