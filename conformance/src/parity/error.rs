//! Why a `diff`, `record` or `replay` could not run on a side (a gate that cannot be reached or
//! read), as opposed to the differences it finds. The messages name the side.

use crate::catalogue::SelectionError;

/// Why a parity run stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParityError {
    /// The side's target could not hand out a gate.
    #[error("{side}: target unavailable: {reason}")]
    Unavailable {
        /// The side's label (`a`, `b`, the target).
        side: String,
        /// What the target said.
        reason: crate::target::AcquireError,
    },
    /// The side's gate does not answer `GET /readyz`.
    #[error("side {side}: the gate at {endpoint} is unreachable: {reason}")]
    Unreachable {
        /// The side's label.
        side: String,
        /// Where the gate was asked.
        endpoint: String,
        /// Why no answer came.
        reason: crate::http::SendError,
    },
    /// `GET /v1/admin/status` could not be sent: no admin listener or operator credentials.
    #[error("{side}: cannot read the gate version from GET /v1/admin/status: give the admin listener and operator credentials (--admin, --operator-token, --operator-key)")]
    NoStatusAccess {
        /// The side's label.
        side: String,
    },
    /// `GET /v1/admin/status` answered without a version.
    #[error("{side}: GET /v1/admin/status answered {status} without a version")]
    NoVersion {
        /// The side's label.
        side: String,
        /// The answer's status.
        status: u16,
    },
    /// The gate-suite selection is malformed.
    #[error(transparent)]
    Selection(#[from] SelectionError),
    /// A corpus names scenarios this tool does not have.
    #[error("the corpus holds scenarios this tool does not have: {}", .0.join(", "))]
    UnknownScenarios(Vec<String>),
}
