//! Enforcement: the execute pipeline in the gate's order (authentication, policy decision,
//! approval hold, execution tail), its errors and audit contexts, and what approvals learn.

pub mod audit;
pub mod authenticate;
pub mod decide;
pub mod error;
pub mod execution;
pub mod hold;
pub mod learning;
pub mod pipeline;
pub mod precheck;
pub mod response;
