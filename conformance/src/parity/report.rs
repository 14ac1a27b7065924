//! The `diff` report: text (one block per differing exchange, then the reduced cases with the
//! flags that rerun them) and JSON.

use super::explain::Explanation;
use super::DiffOutcome;
use serde_json::json;
use std::time::Duration;

/// Differing exchanges shown in the text report (the JSON report has all).
const SHOWN: usize = 200;

/// The text report; with `explained` (one per differing exchange), only the unexplained ones.
pub fn text(out: &DiffOutcome, seed: u64, explained: Option<&[Explanation]>) -> String {
    let mut s = String::new();
    let shown: Vec<_> = out
        .differing
        .iter()
        .enumerate()
        .filter(|(i, _)| explained.is_none_or(|e| e[*i] == Explanation::Unexplained))
        .map(|(_, d)| d)
        .collect();
    for d in shown.iter().take(SHOWN) {
        s.push_str(&super::diff::render(&d.a, &d.differences));
    }
    if shown.len() > SHOWN {
        s.push_str(&format!(
            "… {} more differing exchanges (see --json)\n",
            shown.len() - SHOWN
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

/// The one-line summary; with `explained`, how the differing exchanges sort.
pub fn summary(
    out: &DiffOutcome,
    seed: u64,
    took: Duration,
    explained: Option<&[Explanation]>,
) -> String {
    let line = format!(
        "compared {} exchanges ({} scenarios run, {} skipped; {} generated cases, seed {seed}) in {:.1} s: {} differ",
        out.counts.compared,
        out.counts.scenarios_run,
        out.counts.scenarios_skipped,
        out.counts.cases_run,
        took.as_secs_f64(),
        out.differing.len()
    );
    let Some(e) = explained else {
        return line;
    };
    let count = |f: fn(&Explanation) -> bool| e.iter().filter(|x| f(x)).count();
    format!(
        "{line} ({} unexplained, {} deliberate deviations, {} known open)",
        count(|x| *x == Explanation::Unexplained),
        count(|x| matches!(x, Explanation::Deviation(_))),
        count(|x| *x == Explanation::KnownOpen)
    )
}

/// The JSON report; with `explained`, each differing exchange carries `explained_by`.
pub fn json(out: &DiffOutcome, seed: u64, explained: Option<&[Explanation]>) -> String {
    let differing: Vec<_> = out
        .differing
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut v = json!({
                "id": d.a.id,
                "a": d.a,
                "b": d.b,
                "differences": d.differences.iter().map(|x| json!({"aspect": x.aspect, "detail": x.detail})).collect::<Vec<_>>(),
            });
            if let Some(e) = explained {
                v["explained_by"] = json!(e[i].label());
            }
            v
        })
        .collect();
    let cases: Vec<_> = out
        .cases
        .iter()
        .map(|c| json!({"case": c.case, "family": c.family, "steps": c.steps, "original_steps": c.original_steps}))
        .collect();
    serde_json::to_string_pretty(&json!({
        "seed": seed,
        "compared": out.counts.compared,
        "scenarios_run": out.counts.scenarios_run,
        "scenarios_skipped": out.counts.scenarios_skipped,
        "cases_run": out.counts.cases_run,
        "differing": differing,
        "cases": cases,
    }))
    .unwrap_or_default()
}
