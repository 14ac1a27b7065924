//! The settings both builders take, and how they become a [`Connection`] (C-URL-01/05,
//! C-OP-03, C-NET-01).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::Connection;
use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::transport::resolve::{
    default_socket_in, resolve_htu_base, resolve_operator_htu_base, resolve_target,
};
use crate::transport::{Env, Target, Transport};

/// Default whole-request deadline (C-NET-01).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default deadline of execute and approve, which wait for the action (C-NET-01).
pub const DEFAULT_EXECUTE_TIMEOUT: Duration = Duration::from_secs(60);

/// Which listener a client talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// An agent, on the client listener (`gate.sock`).
    Agent,
    /// An operator, on the admin listener (`gate-admin.sock`).
    Operator,
}

impl Role {
    /// The builder field of the deadline of requests that can run an action.
    fn long_timeout_field(self) -> &'static str {
        match self {
            Self::Agent => "execute_timeout",
            Self::Operator => "approve_timeout",
        }
    }
}

/// What both builders collect before `build`.
#[derive(Debug, Default)]
pub(crate) struct Settings {
    pub base_url: Option<String>,
    pub socket: Option<PathBuf>,
    pub public_base_url: Option<String>,
    pub timeout: Option<Duration>,
    pub long_timeout: Option<Duration>,
    pub clock: Option<Arc<dyn Clock>>,
    pub env: Option<Env>,
}

impl Settings {
    /// Resolve the target and the htu base for `role` and check the deadlines (no I/O).
    pub(crate) fn connect(self, role: Role) -> Result<Connection, Error> {
        let env = self.env.unwrap_or_else(Env::process);
        let (base, socket) = (self.base_url.as_deref(), self.socket.as_deref());
        let (target, htu_base) = match role {
            Role::Agent => {
                let target = resolve_target(base, socket, &env, "gate.sock")?;
                let htu_base = resolve_htu_base(self.public_base_url.as_deref(), &env, &target)?;
                (target, htu_base)
            }
            Role::Operator => {
                let target = match (base, socket) {
                    (None, None) => Target::Unix {
                        path: default_socket_in(&env, "gate-admin.sock")?,
                    },
                    // LATCHGATE_URL names the agent listener, so it is not consulted here.
                    _ => resolve_target(base, socket, &Env::from_pairs(&[]), "gate-admin.sock")?,
                };
                let htu_base = resolve_operator_htu_base(self.public_base_url.as_deref(), &env)?;
                (target, htu_base)
            }
        };
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let long_timeout = self
            .long_timeout
            .unwrap_or_else(|| timeout.max(DEFAULT_EXECUTE_TIMEOUT));
        for (field, d) in [
            ("timeout", timeout),
            (role.long_timeout_field(), long_timeout),
        ] {
            if d.is_zero() {
                return Err(Error::invalid_input(
                    field,
                    format!("{field} must be positive"),
                ));
            }
        }
        Ok(Connection {
            transport: Transport::new(target),
            htu_base,
            timeout,
            long_timeout,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
        })
    }
}

/// The setters of [`Settings`] on a builder with a `settings` field: `listener` and
/// `socket` name what the client talks to, `long` the call with the long deadline and its
/// setter, `clock` what the clock drives.
macro_rules! shared_setters {
    (
        listener: $listener:literal,
        socket: $socket:literal,
        long: $long:literal => $long_timeout:ident,
        clock: $clock:literal
    ) => {
        #[doc = concat!("Talk HTTP over TCP to the ", $listener, " at this base URL (`http://host:port[/prefix]`).")]
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.settings.base_url = Some(url.into());
            self
        }

        #[doc = concat!("Talk HTTP over this Unix domain socket (", $socket, ").")]
        pub fn socket(mut self, path: impl Into<std::path::PathBuf>) -> Self {
            self.settings.socket = Some(path.into());
            self
        }

        /// The gate's `public_base_url`, used only to build proof `htu` values.
        pub fn public_base_url(mut self, url: impl Into<String>) -> Self {
            self.settings.public_base_url = Some(url.into());
            self
        }

        #[doc = concat!("Whole-request deadline of every request but ", $long, " (default 30 s).")]
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.timeout = Some(timeout);
            self
        }

        #[doc = concat!("Whole-request deadline of ", $long, ", which runs the action (default the larger")]
        /// of 60 s and [`timeout`](Self::timeout)).
        pub fn $long_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.long_timeout = Some(timeout);
            self
        }

        #[doc = concat!("The clock for ", $clock, " (default the system clock).")]
        pub fn clock(mut self, clock: std::sync::Arc<dyn crate::clock::Clock>) -> Self {
            self.settings.clock = Some(clock);
            self
        }

        /// Read the environment from `env` instead of the process (for tests and embedding).
        pub fn environment(mut self, env: crate::transport::Env) -> Self {
            self.settings.env = Some(env);
            self
        }
    };
}

pub(crate) use shared_setters;
