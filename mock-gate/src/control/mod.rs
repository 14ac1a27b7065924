//! Test control: the request journal, the virtual clock, fault injection, mutants, who may use
//! the `/_mock/` control API, and its client.

pub mod access;
pub mod client;
pub mod clock;
pub mod faults;
pub mod journal;
pub mod mutants;
