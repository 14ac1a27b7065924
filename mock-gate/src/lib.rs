//! `latchgate-mock`: a mock of the LatchGate gate (v0.2.0) that answers as the real gate does
//! on the wire — same statuses, codes, body bytes, check order and quirks — in-process for
//! `cargo test` or standalone (`latchgate-mock serve`), with a request journal, a virtual
//! clock, fault injection and test-only mutants.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let gate = latchgate_mock::MockGate::builder().start().await?;
//! println!("client {} admin {}", gate.url().unwrap(), gate.admin_url().unwrap());
//! gate.shutdown().await;
//! # Ok(()) }
//! ```

pub mod approvals;
pub mod audit;
pub mod auth;
pub mod body;
pub mod budgets;
pub mod cli;
pub mod clock;
pub mod config;
pub mod control_client;
pub mod crypto;
pub mod dispatch;
pub mod dpop;
pub mod errors;
pub mod faults;
pub mod fixtures;
#[doc(hidden)]
pub mod fuzzing;
pub mod gate;
pub mod globs;
pub mod journal;
pub mod learn;
pub mod learned;
pub mod lease;
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
pub mod verify;

pub use clock::VirtualClock;
pub use control_client::{ControlClient, ControlError, ControlTarget, GateControl};
pub use faults::{Endpoint, FaultAction, FaultRule, Faults};
pub use gate::{Bind, MockGate, MockGateBuilder, StartError};
pub use journal::{Journal, JournalEntry};
pub use manifest::ActionSpec;
pub use mutants::{Lax, Mutant};
pub use policy::PolicyData;
pub use settings::{Identity, OperatorCredential, PeerPrincipal, RateLimits};
