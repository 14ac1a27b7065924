//! Shared by the mock-gate fuzz targets: one offline gate per process (reset before every
//! input), fixed DPoP keys, valid leases and proofs to start from, and JSON built from input.

pub mod harness;

pub use harness::{harness, Harness};
pub use latchgate_fuzz::json;
