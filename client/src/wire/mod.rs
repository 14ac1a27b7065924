//! Serde types of the gate's request and response bodies.
//!
//! Structs serialise their members in the real gate's order (PROTOCOL.md section named on
//! each type), so the mock gate can answer byte for byte like the gate. Deserialising
//! ignores unknown members; a missing or mistyped required member is an error, which the
//! client reports as `ProtocolError` (SDK-CONTRACT C-BODY-02).

mod approval;
mod discovery;
mod execute;
mod lease;
mod operator;

pub use approval::{
    ApprovalDetail, ApprovalList, ApprovalSummary, DenyRequest, DenyResponse, PollResponse,
    TerminalDecision,
};
pub use discovery::{
    ActionDetail, ActionIo, ActionList, ActionSummary, Egress, Health, Readiness, ResourceLimits,
};
pub use execute::{
    ApprovalPending, ApprovalProvenance, ExecutionResponse, RuntimeInfo, VerificationInfo,
};
pub use lease::{Budgets, LeaseRequest, LeaseResponse};
pub use operator::{AdminStatus, ReceiptKey, ReceiptKeys};
