//! Who made an agent call, as every record of the call carries it.

use crate::auth::lease::LeaseClaims;

/// Who made an agent call: the identity of the lease it was made with, carried from
/// authentication into the approval it may be held for and into the audit events about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    /// Lease `sub`.
    pub principal: String,
    /// Lease session.
    pub session_id: String,
    /// Lease `jti`.
    pub lease_jti: String,
    /// Owner from the identity mapping (lease `owner` claim).
    pub owner: Option<String>,
}

impl Caller {
    /// The holder of the lease with these claims.
    pub fn of_lease(claims: &LeaseClaims) -> Self {
        Self {
            principal: claims.sub.clone(),
            session_id: claims.session_id.clone(),
            lease_jti: claims.jti.clone(),
            owner: claims.owner.clone(),
        }
    }
}
