//! The `diff` report: text (one block per differing exchange, then the reduced cases with the
//! flags that rerun them) and JSON.

use super::DiffOutcome;
use serde_json::json;
use std::time::Duration;

/// Differing exchanges shown in the text report (the JSON report has all).
const SHOWN: usize = 200;

/// The text report.
pub fn text(out: &DiffOutcome, seed: u64) -> String {
    let mut s = String::new();
    for d in out.differing.iter().take(SHOWN) {
        s.push_str(&super::diff::render(&d.a, &d.differences));
    }
    if out.differing.len() > SHOWN {
        s.push_str(&format!(
            "… {} more differing exchanges (see --json)\n",
            out.differing.len() - SHOWN
        ));
    }
    for c in &out.cases {
        s.push_str(&format!(
            "\ncase {} ({}) differs; rerun: --seed {seed} --case {}; reduced from {} to {} steps:\n",
            c.case,
            c.family,
            c.case,
            c.original_steps,
            c.steps.len()
        ));
        for step in &c.steps {
            s.push_str(&format!(
                "  {}\n",
                serde_json::to_string(step).unwrap_or_default()
            ));
        }
    }
    s
}

/// The one-line summary.
pub fn summary(out: &DiffOutcome, seed: u64, took: Duration) -> String {
    format!(
        "compared {} exchanges ({} scenarios run, {} skipped; {} generated cases, seed {seed}) in {:.1} s: {} differ",
        out.compared,
        out.scenarios_run,
        out.scenarios_skipped,
        out.cases_run,
        took.as_secs_f64(),
        out.differing.len()
    )
}

/// The JSON report.
pub fn json(out: &DiffOutcome, seed: u64) -> String {
    let differing: Vec<_> = out
        .differing
        .iter()
        .map(|d| {
            json!({
                "id": d.a.id,
                "a": d.a,
                "b": d.b,
                "differences": d.differences.iter().map(|x| json!({"aspect": x.aspect, "detail": x.detail})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let cases: Vec<_> = out
        .cases
        .iter()
        .map(|c| json!({"case": c.case, "family": c.family, "steps": c.steps, "original_steps": c.original_steps}))
        .collect();
    serde_json::to_string_pretty(&json!({
        "seed": seed,
        "compared": out.compared,
        "scenarios_run": out.scenarios_run,
        "scenarios_skipped": out.scenarios_skipped,
        "cases_run": out.cases_run,
        "differing": differing,
        "cases": cases,
    }))
    .unwrap_or_default()
}
