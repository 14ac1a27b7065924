//! Test support: a raw HTTP/1.1 client over TCP or Unix sockets and hand-built DPoP proofs,
//! written independently of the `latchgate` SDK so the mock's rules are checked on their own.
//! Each test binary compiles its own copy and uses a part of it, so the items and re-exports
//! another binary uses would warn as unused here.
#![allow(dead_code, unused_imports)]

mod agent;
mod binary;
mod digest;
mod fs;
mod http;
mod jws;
mod limits;
mod operator;
mod snapshot;

pub use agent::{
    assert_execute_status, execute_fresh, htu, leased, leased_on, post_lease, send_dpop, Agent,
    Lease, FETCH_OK, FETCH_PATH, FETCH_UNKNOWN,
};
pub use binary::{mock_command, Served};
pub use digest::{jcs_sha256, receipt_result_hash, sha256_hex};
pub use fs::{fs_gate, fs_read, fs_root_with, fs_write_gate};
pub use http::{get_client, send, try_send, Resp, Target};
pub use jws::{ath, b64, b64d, claims_of, claims_text, sign};
pub use limits::{
    assert_rate_limit_exceeded, burst, burst_statuses, first_429, one_token_gate, unlimited_gate,
    BURST,
};
pub use operator::{audit_events, held_then_approved, Op};
pub use snapshot::redact;

/// The body of the admin listener's collapsed authentication failure.
pub const UNAUTHORIZED: &str = r#"{"error":"unauthorized"}"#;

/// A quickstart gate with the builder's defaults.
pub async fn gate() -> latchgate_mock::MockGate {
    latchgate_mock::MockGate::builder().start().await.unwrap()
}
