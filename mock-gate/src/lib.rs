//! `latchgate-mock`: a mock of the LatchGate gate (v0.2.0) that answers as the real gate does
//! on the wire — same statuses, codes, body bytes, check order and quirks — in-process for
//! `cargo test` or standalone (`latchgate-mock serve`), with a request journal, a virtual
//! clock, fault injection and test-only mutants.
//!
//! The root holds what a test uses; [`harness`] holds what the fuzz targets, benches and the
//! binary drive beyond that (not a stable API). Inside, the modules are layers, each using only
//! those below it: `gate` (builder, handle) > `wire` (listeners, routes) > `enforce` (the execute
//! pipeline) > `state` (stores, audit ledger) > `config` > `policy` > `auth` (DPoP, leases,
//! replay) > `actions` (manifests, providers, verifiers) > `control` (journal, clock, faults,
//! mutants) > `caps`, `crypto`, `body`.
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

#![warn(missing_docs)]

// Unix sockets and peer credentials are part of the protocol surface; Windows is not supported.
#[cfg(not(unix))]
compile_error!("latchgate-mock supports Unix-like systems only (Linux, macOS, the BSDs): it speaks to gates over Unix domain sockets. Windows is not supported.");

mod actions;
mod auth;
mod body;
mod caps;
#[cfg(feature = "cli")]
mod cli;
mod config;
mod control;
mod crypto;
mod enforce;
mod gate;
pub mod harness;
mod policy;
mod state;
#[cfg(feature = "testcontainers")]
pub mod testcontainers;
mod wire;

/// The SDK this mock was built against: use `latchgate_mock::latchgate` in tests so the SDK and the
/// mock can never be of different versions.
pub use latchgate;

pub use actions::manifest::{ActionSpec, ManifestError};
pub use actions::providers::{
    CannedProvider, FnProvider, HttpProvider, Provider, ProviderCall, ProviderError,
    ProviderFuture, ProviderOutput,
};
pub use caps::Caps;
pub use config::settings::{Identity, OperatorCredential, PeerPrincipal, RateLimits};
pub use control::client::{ControlClient, ControlError, ControlTarget, GateControl};
pub use control::clock::VirtualClock;
pub use control::faults::{Endpoint, FaultAction, FaultError, FaultRule, Faults};
pub use control::journal::{Journal, JournalEntry};
pub use control::mutants::{Lax, Mutant};
pub use gate::{Bind, MockGate, MockGateBuilder, StartError};
pub use policy::{PolicyData, PolicyDataError, PolicyError};
