//! The execute pipeline's audit contexts: what a call writes to the ledger
//! ([`crate::state::audit`]) at each terminal outcome, from the first check to the executed call.

mod approval;
mod call;
mod exec;

pub use approval::{approval_denied, plan_expired};
pub use call::CallAudit;
pub use exec::ExecAudit;

use crate::enforce::authenticate::OperatorAuth;
use crate::state::audit::Attribution;

/// The attribution of an approval outcome decided by `op`.
fn attribution_of(op: &OperatorAuth) -> Attribution {
    let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Attribution {
        approved_by: Some(op.operator_id.clone()),
        operator_authn_method: Some("operator_dpop".into()),
        operator_sender_binding: nonempty(&op.sender_binding),
        operator_proof_jti: nonempty(&op.proof_jti),
    }
}
