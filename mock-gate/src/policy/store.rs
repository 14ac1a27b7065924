//! A gate's policy: the data document the admin routes edit and the engine that evaluates it,
//! kept in step (every edit reloads the engine).

use std::sync::RwLock;

use super::decision::Verdict;
use super::engine::PolicyEngine;
use super::input::PolicyInput;
use super::load::RegoModule;
use super::{PolicyData, PolicyError};

/// Policy data + compiled policy.
#[derive(Debug)]
pub struct PolicyStore {
    data: RwLock<PolicyData>,
    initial: PolicyData,
    engine: PolicyEngine,
}

impl PolicyStore {
    /// Compiles `modules` over `data`; an error names the file and line.
    pub fn new(modules: &[RegoModule], data: PolicyData) -> Result<Self, PolicyError> {
        let engine = PolicyEngine::new(modules, &data)?;
        Ok(Self {
            initial: data.clone(),
            data: RwLock::new(data),
            engine,
        })
    }

    /// A copy of the data document.
    pub fn data(&self) -> PolicyData {
        self.data.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reads the data document.
    pub fn read<R>(&self, f: impl FnOnce(&PolicyData) -> R) -> R {
        f(&self.data.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Edits the data document and reloads the engine. As the gate, the edit stands even when
    /// the engine refuses the new document (the previous data stays in force for decisions).
    pub fn edit<R>(&self, f: impl FnOnce(&mut PolicyData) -> R) -> R {
        let mut d = self.data.write().unwrap_or_else(|e| e.into_inner());
        let out = f(&mut d);
        if let Err(e) = self.engine.set_data(&d) {
            tracing::warn!("policy reload rejected: {e} — existing policy remains active");
        }
        out
    }

    /// Replaces the data (reload); refused when the policy cannot evaluate it.
    pub fn replace(&self, data: PolicyData) -> Result<(), PolicyError> {
        let mut d = self.data.write().unwrap_or_else(|e| e.into_inner());
        self.engine.set_data(&data)?;
        *d = data;
        Ok(())
    }

    /// Back to the data the gate started with.
    pub fn reset(&self) {
        // The start data evaluated at start, so it evaluates again.
        let _ = self.replace(self.initial.clone());
    }

    /// The decision for one call.
    pub fn evaluate(&self, input: &PolicyInput<'_>) -> Verdict {
        self.engine.evaluate(input)
    }

    /// The decision over other data (test-only mutants), compiled for this call.
    pub fn evaluate_over(&self, data: &PolicyData, input: &PolicyInput<'_>) -> Verdict {
        self.engine.evaluate_over(data, input)
    }
}
