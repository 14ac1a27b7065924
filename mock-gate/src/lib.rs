//! `latchgate-mock`: a mock of the LatchGate gate (v0.2.0) that answers as the real gate does
//! on the wire — same statuses, codes, body bytes, check order and quirks — in-process for
//! `cargo test` or standalone (`latchgate-mock serve`), with a request journal, a virtual
//! clock, fault injection and test-only mutants.
//!
//! Features: `cli` (the `latchgate-mock` binary: clap, tracing-subscriber), `testcontainers`
//! (`testcontainers::MockGateImage`, the container image). Unix only
//! (Linux, macOS): the mock serves Unix sockets too.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let gate = latchgate_mock::MockGate::builder().start().await?;
//! println!("client {} admin {}", gate.url().unwrap(), gate.admin_url().unwrap());
//! gate.shutdown().await;
//! # Ok(()) }
//! ```

// Unix sockets and peer credentials are part of the protocol surface; Windows is not supported.
#[cfg(not(unix))]
compile_error!("latchgate-mock supports Unix-like systems only (Linux, macOS, the BSDs): it speaks to gates over Unix domain sockets. Windows is not supported.");

pub mod actions;
pub mod auth;
pub mod body;
pub mod caps;
#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
pub mod control;
pub mod crypto;
pub mod enforce;
#[doc(hidden)]
pub mod fuzzing;
pub mod gate;
pub mod policy;
pub mod state;
#[cfg(feature = "testcontainers")]
pub mod testcontainers;
pub mod wire;

pub use caps::Caps;
/// The SDK this mock was built against: use `latchgate_mock::latchgate` in tests so the SDK and the
/// mock can never be of different versions.
pub use latchgate;

pub use actions::manifest::ActionSpec;
pub use config::settings::{Identity, OperatorCredential, PeerPrincipal, RateLimits};
pub use control::client::{ControlClient, ControlError, ControlTarget, GateControl};
pub use control::clock::VirtualClock;
pub use control::faults::{Endpoint, FaultAction, FaultRule, Faults};
pub use control::journal::{Journal, JournalEntry};
pub use control::mutants::{Lax, Mutant};
pub use gate::{Bind, MockGate, MockGateBuilder, StartError};
pub use policy::PolicyData;
