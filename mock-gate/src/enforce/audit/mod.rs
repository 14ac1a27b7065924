//! The execute pipeline's audit contexts: what a call writes to the ledger
//! ([`crate::state::audit`]) at each terminal outcome, from the first check to the executed call.

mod approval;
mod call;
mod exec;

pub use approval::{approval_denied, plan_expired};
pub use call::CallAudit;
pub use exec::ExecAudit;
