//! The policy: Rego evaluated by `regorus` over the policy data, as the gate evaluates it.
//!
//! The built-in policy is the quickstart's ([`load::quickstart_modules`], this project's own
//! Rego); `--policy-dir` replaces it with the modules and data of a directory.

mod data;
mod decision;
pub mod edits;
mod engine;
mod error;
mod input;
pub mod load;
#[cfg(test)]
mod quickstart_tests;
mod store;

pub use data::{strings_of, PolicyData};
pub use decision::{Granted, Verdict};
pub use engine::PolicyEngine;
pub use error::{PolicyDataError, PolicyError};
pub use input::{Budgets, PolicyInput};
pub use store::PolicyStore;
