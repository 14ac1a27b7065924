//! Drivers: the SDK under test, behind the JSON-lines driver protocol (version [`PROTOCOL_VERSION`],
//! schema `fixtures/schemas/driver-protocol.schema.json`, described in conformance/README.md).
//!
//! `rust` runs our `latchgate` crate in process; `python` and `cmd:PROGRAM` run a child process.

mod error;
mod process;
#[cfg(feature = "python")]
mod python;
mod rust;
mod transcript;

pub use error::{AnswerError, DriverError, DriverSpecError, PipeError};
pub use process::ProcessDriver;
pub use process::WARM;
#[cfg(feature = "python")]
pub use python::python_driver;
pub use rust::RustDriver;
pub use transcript::{in_scenario, Transcript};

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// Version of the driver protocol this runner speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// What a driver says about itself in answer to `hello`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Hello {
    /// Protocol version the driver speaks.
    pub protocol: u32,
    /// The SDK it wraps.
    pub sdk: SdkId,
    /// Optional commands and behaviours it supports (see the README).
    #[serde(default)]
    pub capabilities: Vec<String>,
}

/// Name and version of the SDK a driver wraps.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SdkId {
    /// Distribution name, e.g. `latchgate` (PyPI).
    pub name: String,
    /// Distribution version.
    pub version: String,
    /// Language, e.g. `python`.
    #[serde(default)]
    pub language: String,
    /// Runtime, e.g. `CPython 3.11.2`.
    #[serde(default)]
    pub runtime: String,
}

/// The canonical error outcome of one call (SDK-CONTRACT §1), as the driver reported it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ErrorOutcome {
    /// Canonical kind (`Denied`, `AuthError`, …), or `Unsupported` / `Uncaught`.
    pub kind: String,
    /// HTTP status, if the SDK exposes it.
    pub status: Option<u16>,
    /// The gate's error code, if the SDK exposes it.
    pub code: Option<String>,
    /// The reason (deny_reason / message), if exposed.
    pub reason: Option<String>,
    /// Whether the SDK says a retry may succeed.
    pub transient: Option<bool>,
    /// Whether the SDK says the action may have run.
    pub may_have_executed: Option<bool>,
    /// Retry-After seconds, if exposed.
    pub retry_after: Option<u64>,
    /// NotFound on a stale session.
    pub stale_session: Option<bool>,
    /// InvalidInput: the offending parameter.
    pub field: Option<String>,
    /// ApprovalRequired: the approval id.
    pub approval_id: Option<String>,
    /// ApprovalRequired: the request hash.
    pub request_hash: Option<String>,
    /// ApprovalRequired: the trace id.
    pub trace_id: Option<String>,
    /// The SDK's own error type and message, for humans.
    pub native: Option<String>,
}

impl ErrorOutcome {
    /// One line describing the outcome.
    pub fn describe(&self) -> String {
        format!(
            "{} (status {:?}, code {:?}, reason {:?}, transient {:?}, may_have_executed {:?}{})",
            self.kind,
            self.status,
            self.code,
            self.reason.as_deref().map(|r| crate::http::cut(r, 80)),
            self.transient,
            self.may_have_executed,
            self.native
                .as_deref()
                .map(|n| format!(", native {}", crate::http::cut(n, 120)))
                .unwrap_or_default()
        )
    }
}

/// The answer to one command.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// `{"ok": …}`.
    Ok(Value),
    /// `{"error": …}`.
    Err(ErrorOutcome),
}

impl Reply {
    /// One line for failure reports.
    pub fn describe(&self) -> String {
        match self {
            Reply::Ok(v) => format!("ok {}", crate::http::cut(&v.to_string(), 300)),
            Reply::Err(e) => format!(
                "error {}",
                crate::http::cut(&serde_json::to_string(e).unwrap_or_default(), 300)
            ),
        }
    }

    /// The error kind, or `ok`.
    pub fn kind(&self) -> &str {
        match self {
            Reply::Ok(_) => "ok",
            Reply::Err(e) => &e.kind,
        }
    }
}

/// A running driver: one per scenario.
pub trait DriverSession: Send {
    /// The driver's hello.
    fn hello(&self) -> &Hello;
    /// Sends one command (`{"cmd": …, …}`) and waits for its answer. `Err` is a driver failure
    /// (crash, hang, garbage output), which fails the scenario with its message.
    fn call(&mut self, cmd: Value) -> BoxFuture<'_, Result<Reply, DriverError>>;
    /// Ends the driver (closing stdin, then killing it if it lingers).
    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// Starts driver sessions.
pub trait DriverFactory: Send + Sync {
    /// How the driver is named on the command line: `rust`, `python`, `cmd:…`.
    fn spec(&self) -> String;
    /// A fresh session (a new process for process drivers).
    fn start(&self) -> BoxFuture<'_, Result<Box<dyn DriverSession>, DriverError>>;
}

/// A parsed `--sdk` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DriverSpec {
    /// The `latchgate` crate in process.
    Rust,
    /// The published Python SDK through `conformance/drivers/python/driver.py`.
    Python,
    /// Any program speaking the driver protocol: a command line split like a POSIX shell
    /// would (quotes and backslashes group words, so paths may hold spaces), run without a shell.
    Cmd(String),
}

impl DriverSpec {
    /// Parses `rust`, `python`, `cmd:PROGRAM`.
    pub fn parse(s: &str) -> Result<Self, DriverSpecError> {
        match s {
            "rust" => Ok(DriverSpec::Rust),
            "python" => Ok(DriverSpec::Python),
            other => match other.strip_prefix("cmd:") {
                Some(p) if !p.trim().is_empty() => Ok(DriverSpec::Cmd(p.to_string())),
                Some(_) => Err(DriverSpecError::NoProgram),
                None => Err(DriverSpecError::Unknown(other.to_string())),
            },
        }
    }
}

/// Options for building a driver.
#[derive(Clone, Debug, Default)]
pub struct DriverOptions {
    /// `--python PATH`: interpreter of a venv that has the SDK.
    pub python: Option<std::path::PathBuf>,
    /// `--python-sdk-version`: PyPI version for the venv the runner creates.
    pub python_sdk_version: String,
    /// Per-command timeout.
    pub command_timeout: std::time::Duration,
}

/// Builds the factory for a driver spec.
pub fn factory(
    spec: &DriverSpec,
    opts: &DriverOptions,
) -> Result<Arc<dyn DriverFactory>, DriverError> {
    Ok(match spec {
        DriverSpec::Rust => Arc::new(RustDriver),
        #[cfg(feature = "python")]
        DriverSpec::Python => Arc::new(python_driver(opts)?),
        #[cfg(not(feature = "python"))]
        DriverSpec::Python => {
            let _ = opts;
            return Err(DriverError::NoPythonFeature);
        }
        DriverSpec::Cmd(p) => {
            let argv = command_words(p)?;
            Arc::new(ProcessDriver::new(
                format!("cmd:{p}"),
                argv,
                opts.command_timeout,
            ))
        }
    })
}

/// The words of a `cmd:` command line, split like a POSIX shell (no expansion).
pub fn command_words(line: &str) -> Result<Vec<String>, DriverError> {
    let words = shell_words::split(line).map_err(|source| DriverError::CommandLine {
        line: line.to_string(),
        source,
    })?;
    if words.is_empty() {
        return Err(DriverError::NoProgram);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::command_words;

    #[test]
    fn quoted_paths_with_spaces_stay_one_word() {
        let got = command_words(r#"node "drivers/my sdk/driver.mjs" --flag 'a b' c\ d"#).unwrap();
        assert_eq!(
            got,
            ["node", "drivers/my sdk/driver.mjs", "--flag", "a b", "c d"]
        );
    }

    #[test]
    fn an_unclosed_quote_is_an_error_naming_the_option() {
        let err = command_words(r#"node "driver.mjs"#)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("--sdk cmd:"), "{err}");
    }
}
