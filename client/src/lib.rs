//! Rust SDK for [LatchGate](https://github.com/latchgate-ai/latchgate), the action
//! authorization gateway for AI agents (gate protocol 0.2.0).
//!
//! ```no_run
//! # async fn quick_start() -> Result<(), latchgate::Error> {
//! use latchgate::{Client, ConnectOptions};
//! let client = Client::builder().base_url("http://127.0.0.1:3000").build()?; // or .socket(path)
//! client.connect(ConnectOptions::new().max_calls(10)).await?;              // P-256 key + lease
//! let result = client.execute("fs_read", serde_json::json!({"path": "README.md"})).await?;
//! let receipt = client.get_receipt(&result.receipt_id).await?;
//! let keys: Vec<latchgate::ReceiptKey> = vec![/* from GET /v1/receipt-keys or the key file */];
//! println!("{:?} -> {}", result.output, receipt.verify(&keys));            // offline check
//! # Ok(()) }
//! ```
//!
//! * [`Client`] — the agent side: leases with a fresh P-256 key each, renewal less than 60 s
//!   before expiry (coalesced across tasks), DPoP proofs, `execute`, receipts, approval
//!   polling and waiting, discovery. Over TCP or a Unix socket.
//! * [`OperatorClient`] — the operator side: list, inspect, approve and deny approvals,
//!   receipt keys, admin status.
//! * [`Receipt::verify`] — offline verification of the gate's Ed25519-signed receipts.
//! * [`Error`] — one error type; [`Error::kind`] is one of the canonical kinds of the
//!   LatchGate SDK contract, with [`Error::transient`] and [`Error::may_have_executed`]
//!   saying whether a retry is safe.
//! * [`crypto`], [`wire`] — the protocol primitives and body types, shared with the mock
//!   gate and the conformance runner.
//!
//! Environment: the SDK reads exactly `LATCHGATE_URL` (TCP base URL when none is given),
//! `XDG_RUNTIME_DIR` (to find `latchgate/gate.sock`, else `/tmp/latchgate-<uid>/gate.sock`)
//! and `LATCHGATE_PUBLIC_BASE_URL` (the gate's `public_base_url`, the base of every proof's
//! `htu`; `http://localhost:3000` over a socket unless set).
//!
//! Secrets — private keys, lease JWTs, API keys and proofs — never appear in `Debug` or
//! `Display` output, logs or errors.

#![warn(missing_docs)]

// Unix sockets and peer credentials are part of the protocol surface; Windows is not supported.
#[cfg(not(unix))]
compile_error!("latchgate supports Unix-like systems only (Linux, macOS, the BSDs): it speaks to gates over Unix domain sockets. Windows is not supported.");

pub mod agent;
pub mod blocking;
pub mod clock;
mod connection;
pub mod crypto;
pub mod error;
pub mod operator;
pub mod receipt;
mod response;
mod secret;
pub mod transport;
pub mod validate;
pub mod wire;

pub use agent::{
    ActionResult, ApprovalStatus, Client, ClientBuilder, ConnectOptions, LeaseCause, LeaseEvent,
    LeaseInfo, LeaseParams,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ApprovalRequired, Endpoint, Error, ErrorKind};
pub use operator::{
    ApproveOptions, ApproveOutcome, DenyOutcome, OperatorClient, OperatorClientBuilder,
};
pub use receipt::{Receipt, ReceiptKey, Verification, VerificationStatus};
pub use transport::Target;
pub use wire::Egress;

/// The README's code blocks, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Version of this crate (the distribution version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
