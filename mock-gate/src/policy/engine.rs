//! A Rego policy compiled once and evaluated per call with `regorus`, as the gate does: the
//! input is serialized to JSON, `data.latchgate.decision` is evaluated, the value goes back
//! through JSON into the decision reader.
//!
//! A compiled engine holds the policy modules and the data; each data change builds (and warms)
//! a new one from the parsed modules. Calls take an engine from a pool of clones of it and put
//! it back, so a call never waits for another to finish evaluating.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, RwLock};

use super::decision::{interpret, Verdict};
use super::input::PolicyInput;
use super::load::{rego_error, RegoModule};
use super::{PolicyData, PolicyError};

/// The rule the gate evaluates for every call.
pub const DECISION_RULE: &str = "data.latchgate.decision";

/// One compiled policy, shared by a gate's handlers.
pub struct PolicyEngine {
    parsed: regorus::Engine,
    current: RwLock<Arc<Prepared>>,
}

impl std::fmt::Debug for PolicyEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyEngine").finish_non_exhaustive()
    }
}

/// An engine with data, warmed, and its pool of idle clones.
struct Prepared {
    engine: regorus::Engine,
    idle: Mutex<Vec<regorus::Engine>>,
}

impl PolicyEngine {
    /// Parses `modules`, adds `data` and evaluates the decision once on an empty input (the
    /// gate's warm-up, which also surfaces evaluation errors at load time).
    pub fn new(modules: &[RegoModule], data: &PolicyData) -> Result<Self, PolicyError> {
        let mut parsed = regorus::Engine::new();
        for m in modules {
            parsed
                .add_policy(m.name.clone(), m.text.clone())
                .map_err(|e| PolicyError::Rego(rego_error(&e.to_string())))?;
        }
        let prepared = prepare(&parsed, data)?;
        Ok(Self {
            parsed,
            current: RwLock::new(Arc::new(prepared)),
        })
    }

    /// Replaces the data (after an admin edit or a reload). A document the policy cannot
    /// evaluate is refused and the previous one stays active, as the gate's reload.
    pub fn set_data(&self, data: &PolicyData) -> Result<(), PolicyError> {
        let prepared = prepare(&self.parsed, data)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(prepared);
        Ok(())
    }

    /// Evaluates the decision for one call.
    pub fn evaluate(&self, input: &PolicyInput<'_>) -> Verdict {
        let prepared = Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()));
        run(&prepared, input)
    }

    /// Evaluates over other data on an engine compiled for this call.
    pub fn evaluate_over(&self, data: &PolicyData, input: &PolicyInput<'_>) -> Verdict {
        match prepare(&self.parsed, data) {
            Ok(p) => run(&p, input),
            Err(e) => Verdict::Unavailable(e.to_string()),
        }
    }
}

fn run(prepared: &Prepared, input: &PolicyInput<'_>) -> Verdict {
    let input_json = match serde_json::to_string(input) {
        Ok(j) => j,
        Err(e) => return Verdict::Invalid(format!("failed to serialize policy input: {e}")),
    };
    let value = match eval_decision(prepared, &input_json) {
        Ok(v) => v,
        Err(verdict) => return verdict,
    };
    if value == regorus::Value::Undefined {
        return Verdict::Deny("embedded policy returned undefined (no matching rule)".into());
    }
    match value.to_json_str() {
        Ok(json) => interpret(&json, input.budgets_before.calls_remaining),
        Err(e) => Verdict::Invalid(format!("regorus result cannot be serialized to JSON: {e}")),
    }
}

/// Evaluates on an idle engine (or a new clone), returned to the pool unless it panicked.
fn eval_decision(prepared: &Prepared, input_json: &str) -> Result<regorus::Value, Verdict> {
    let mut engine = prepared
        .idle
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop()
        .unwrap_or_else(|| prepared.engine.clone());
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let value = regorus::Value::from_json_str(input_json).map_err(|e| {
            Verdict::Invalid(format!("failed to parse input as regorus Value: {e}"))
        })?;
        engine.set_input(value);
        engine
            .eval_rule(DECISION_RULE.to_string())
            .map_err(|e| Verdict::Unavailable(format!("regorus evaluation failed: {e}")))
    }));
    let Ok(result) = outcome else {
        return Err(Verdict::Unavailable(
            "embedded policy evaluator panicked".into(),
        ));
    };
    prepared
        .idle
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(engine);
    result
}

fn prepare(parsed: &regorus::Engine, data: &PolicyData) -> Result<Prepared, PolicyError> {
    let mut engine = parsed.clone();
    let json = serde_json::to_string(data).map_err(PolicyError::DataJson)?;
    let value =
        regorus::Value::from_json_str(&json).map_err(|e| PolicyError::DataParse(e.to_string()))?;
    engine
        .add_data(value)
        .map_err(|e| PolicyError::DataLoad(e.to_string()))?;
    engine.set_input(regorus::Value::new_object());
    engine
        .eval_rule(DECISION_RULE.to_string())
        .map_err(|e| PolicyError::Warmup(rego_error(&e.to_string())))?;
    Ok(Prepared {
        engine,
        idle: Mutex::new(Vec::new()),
    })
}
