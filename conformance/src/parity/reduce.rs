//! Shrinking a differing generated case: drop one step, then one member of an execute body, as
//! long as the two gates still differ, within a bounded number of reruns.

use super::run::Side;
use super::steps::Step;
use serde_json::Value;

/// Reruns allowed per case.
const BUDGET: usize = 40;

async fn still_differs(a: &Side, b: &Side, k: u64, family: &str, steps: &[Step]) -> bool {
    match super::case_pair(a, b, k, family, steps).await {
        Ok(pairs) => pairs
            .iter()
            .any(|(x, y)| !super::diff::compare(x, y).is_empty()),
        Err(_) => false,
    }
}

/// The smallest variant of `steps` found on which `a` and `b` still differ.
pub async fn reduce(a: &Side, b: &Side, k: u64, family: &str, mut steps: Vec<Step>) -> Vec<Step> {
    let mut tries = 0;
    let mut i = 0;
    while i < steps.len() && tries < BUDGET {
        let mut fewer = steps.clone();
        fewer.remove(i);
        tries += 1;
        if !fewer.is_empty() && still_differs(a, b, k, family, &fewer).await {
            steps = fewer;
        } else {
            i += 1;
        }
    }
    for i in 0..steps.len() {
        let members = match &steps[i] {
            Step::Execute {
                params: Value::Object(m),
                ..
            } => m.keys().cloned().collect(),
            _ => Vec::<String>::new(),
        };
        for key in members {
            if tries >= BUDGET {
                return steps;
            }
            let mut smaller = steps.clone();
            if let Step::Execute {
                params: Value::Object(m),
                ..
            } = &mut smaller[i]
            {
                m.remove(&key);
            }
            tries += 1;
            if still_differs(a, b, k, family, &smaller).await {
                steps = smaller;
            }
        }
    }
    steps
}
