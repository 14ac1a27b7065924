//! Flows through the gate, a module per topic: approvals, budgets, drain and the other admin
//! operations, rate limits, providers, faults, sockets, the control API.

#[path = "../support/mod.rs"]
mod support;

mod approvals;
mod budgets;
mod control;
mod faults;
mod operations;
mod providers;
mod rate_limits;
mod sockets;
