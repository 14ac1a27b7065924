//! Protocol primitives shared by the SDK, the mock gate and the conformance runner.
//!
//! Each rule here is pinned by vectors that do not come from this crate (the gate's own
//! vectors, values computed by the Python SDK, RFC examples): see `fixtures/vectors/`.

pub mod b64;
pub mod dpop;
pub mod htu;
pub mod jcs;
pub mod jwk;
pub mod receipt;

use sha2::{Digest, Sha256};

/// `ath` of an access token: unpadded base64url of SHA-256 over the token string exactly
/// as sent after `DPoP ` (the lease JWT for agents, the API key for operators).
///
/// ```
/// assert_eq!(latchgate::crypto::ath("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
/// ```
pub fn ath(token: &str) -> String {
    b64::encode(&Sha256::digest(token.as_bytes()))
}
