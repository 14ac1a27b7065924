//! Why a run could not start.

use crate::catalogue::SelectionError;
use crate::driver::{DriverError, DriverSpecError};
use crate::expected::ExpectedFailuresError;
use crate::target::{TargetError, TargetSpecError};
use std::path::PathBuf;

/// Why a run could not start: a bad option, an unusable driver or target. The message names it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// A malformed `only`/`skip` glob or shard.
    #[error(transparent)]
    Selection(#[from] SelectionError),
    /// No scenario matches the selection.
    #[error("no scenario matches the selection")]
    EmptySelection,
    /// An expected-failures file cannot be read.
    #[error("expected failures {}: {source}", path.display())]
    ExpectedFailuresFile {
        /// The file.
        path: PathBuf,
        /// Why it cannot be read.
        source: std::io::Error,
    },
    /// An expected-failures entry is malformed (the message names its line).
    #[error(transparent)]
    ExpectedFailures(#[from] ExpectedFailuresError),
    /// The `--target` value cannot be parsed.
    #[error(transparent)]
    TargetSpec(#[from] TargetSpecError),
    /// The target cannot be built as given.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// An admin listener that is neither `http://HOST:PORT` nor `unix:PATH`.
    #[error("{flag} {value}: expected http://HOST:PORT or unix:PATH")]
    AdminEndpoint {
        /// The option that gave it.
        flag: String,
        /// What was given.
        value: String,
    },
    /// The `--sdk` value cannot be parsed.
    #[error(transparent)]
    DriverSpec(#[from] DriverSpecError),
    /// The driver cannot be built.
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// The driver was built but its first session failed (it did not say `hello`).
    #[error("--sdk {spec}: {reason}")]
    DriverStart {
        /// The `--sdk` value.
        spec: String,
        /// Why the session failed.
        reason: crate::driver::DriverError,
    },
    /// No async runtime could be started (`execute_blocking`).
    #[error("cannot start an async runtime: {0}")]
    Runtime(std::io::Error),
}
