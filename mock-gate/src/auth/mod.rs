//! Credentials: DPoP proofs, lease JWTs (and their verified-token cache), the replay cache.
//! The request-level checks that combine them are in [`crate::enforce::authenticate`].

pub mod dpop;
pub mod lease;
pub mod replay;
