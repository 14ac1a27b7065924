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

pub mod approvals;
pub mod audit;
pub mod auth;
pub mod body;
pub mod budgets;
pub mod caps;
#[cfg(feature = "cli")]
pub mod cli;
pub mod clock;
pub mod config;
pub mod control_access;
pub mod control_client;
pub mod crypto;
pub mod decide;
pub mod dispatch;
pub mod dpop;
pub mod errors;
pub mod faults;
pub mod fs_roots;
pub mod fixtures;
#[doc(hidden)]
pub mod fuzzing;
pub mod gate;
pub mod globs;
pub mod journal;
pub mod learn;
pub mod learned;
pub mod lease;
pub mod lease_cache;
pub mod manifest;
pub mod metrics;
pub mod mutants;
pub mod operator_key;
pub mod pipeline;
pub mod policy;
pub mod policy_edit;
pub mod providers;
pub mod ratelimit;
pub mod receipts;
pub mod replay;
pub mod routes;
pub mod server;
pub mod settings;
pub mod state;
#[cfg(feature = "testcontainers")]
pub mod testcontainers;
pub mod verify;

pub use caps::Caps;
/// The SDK this mock was built against: use `latchgate_mock::latchgate` in tests so the SDK and the
/// mock can never be of different versions.
pub use latchgate;

pub use clock::VirtualClock;
pub use control_client::{ControlClient, ControlError, ControlTarget, GateControl};
pub use faults::{Endpoint, FaultAction, FaultRule, Faults};
pub use gate::{Bind, MockGate, MockGateBuilder, StartError};
pub use journal::{Journal, JournalEntry};
pub use manifest::ActionSpec;
pub use mutants::{Lax, Mutant};
pub use policy::PolicyData;
pub use settings::{Identity, OperatorCredential, PeerPrincipal, RateLimits};
