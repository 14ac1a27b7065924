//! Credentials: DPoP proofs, lease JWTs (and their verified-token cache), the replay cache, the
//! connection's peer.
//! The request-level checks that combine them are in `enforce::authenticate`.

pub mod dpop;
pub mod lease;
pub mod peer;
pub mod replay;
