//! Parity: comparing two gates exchange by exchange (`diff`), recording a gate's normalized
//! answers as a corpus (`record`) and replaying a corpus against a gate (`replay`, and the
//! `corpus_replay` test against the in-process mock).
//!
//! * [`node`] — JSON in member order; [`normalize`] — the named normalization rules;
//!   [`exchange`] — a normalized exchange; [`diff`] — comparing two of them.
//! * [`steps`] — the step language of generated sequences; [`explore`] and [`fsgen`] — the
//!   seeded generator; [`reduce`] — shrinking a differing case.
//! * [`run`] — running scenarios and cases on a side; [`corpus`] — the corpus files;
//!   [`replay`] — a corpus against a gate; `diff`, `record` and
//!   `replay` on the command line are in the `cli` module (feature `cli`).

pub mod corpus;
pub mod diff;
mod error;
pub mod exchange;
pub mod explain;
pub mod explore;
pub mod fsgen;
pub mod node;
pub mod normalize;
pub mod reduce;
pub mod replay;
pub mod report;
pub mod run;
pub mod steps;

use crate::catalogue::{Catalogue, Scenario, SelectionError, Suite};
use diff::Difference;
pub use error::ParityError;
use exchange::NormExchange;
use futures::StreamExt;
use run::Side;

/// What a `diff` run covers.
#[derive(Clone, Debug, Default)]
pub struct DiffPlan {
    /// Gate-suite scenarios to replay on both sides.
    pub scenarios: Vec<Scenario>,
    /// Generated cases (`--explore N`).
    pub explore: u64,
    /// Seed of the generated cases.
    pub seed: u64,
    /// Only this case (`--case K`).
    pub case: Option<u64>,
    /// What the generator may use.
    pub caps: explore::Caps,
    /// Scenarios or cases run at once.
    pub jobs: usize,
    /// Shrink differing cases.
    pub reduce: bool,
}

/// One differing exchange.
#[derive(Clone, Debug)]
pub struct Differing {
    /// Side a's exchange.
    pub a: NormExchange,
    /// Side b's exchange.
    pub b: NormExchange,
    /// How they differ.
    pub differences: Vec<Difference>,
}

/// A differing generated case, and its reduced form when reduction found one.
#[derive(Clone, Debug)]
pub struct DifferingCase {
    /// Case index.
    pub case: u64,
    /// Family.
    pub family: String,
    /// Its steps after reduction (the original ones when nothing could be dropped).
    pub steps: Vec<steps::Step>,
    /// Steps of the original case.
    pub original_steps: usize,
}

/// How much a `diff` run covered: the counters its summary line and JSON report show together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiffCounts {
    /// Exchanges compared.
    pub compared: usize,
    /// Scenarios run on both sides.
    pub scenarios_run: usize,
    /// Scenarios skipped (a side lacks what they need).
    pub scenarios_skipped: usize,
    /// Generated cases run.
    pub cases_run: usize,
}

/// The outcome of a `diff` run.
#[derive(Clone, Debug, Default)]
pub struct DiffOutcome {
    /// What the run covered.
    pub counts: DiffCounts,
    /// Every differing exchange.
    pub differing: Vec<Differing>,
    /// Differing generated cases, reduced.
    pub cases: Vec<DifferingCase>,
}

/// The gate-suite scenarios, filtered by `--only` globs.
pub fn suite_scenarios(only: &[String]) -> Result<Vec<Scenario>, SelectionError> {
    let cat = Catalogue::builtin();
    let set = crate::catalogue::Selection::new(only, &[], None)?;
    let gate: Vec<Scenario> = cat
        .scenarios()
        .iter()
        .filter(|s| s.suite == Suite::Gate)
        .cloned()
        .collect();
    Ok(set.apply(&gate).into_iter().cloned().collect())
}

fn compare_all(pairs: Vec<(NormExchange, NormExchange)>, out: &mut DiffOutcome) -> bool {
    let mut any = false;
    for (a, b) in pairs {
        out.counts.compared += 1;
        let d = diff::compare(&a, &b);
        if !d.is_empty() {
            any = true;
            out.differing.push(Differing {
                a,
                b,
                differences: d,
            });
        }
    }
    any
}

/// Runs generated case `k` on both sides; its exchanges, paired.
pub async fn case_pair(
    a: &Side,
    b: &Side,
    k: u64,
    family: &str,
    steps: &[steps::Step],
) -> Result<Vec<(NormExchange, NormExchange)>, ParityError> {
    let nonce = run::nonce();
    let prefix = run::case_prefix(k, family);
    let (xa, xb) = tokio::join!(
        run::run_case(a, &prefix, steps, &nonce),
        run::run_case(b, &prefix, steps, &nonce)
    );
    Ok(run::pair(xa?, xb?))
}

/// Runs a `diff`: the scenarios, then the generated cases; `progress` gets one line per
/// differing scenario or case.
pub async fn run_diff(
    a: &Side,
    b: &Side,
    plan: &DiffPlan,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<DiffOutcome, ParityError> {
    let mut out = DiffOutcome::default();
    let jobs = plan.jobs.max(1);
    let mut stream = futures::stream::iter(plan.scenarios.iter())
        .map(|s| async move { (s, run::scenario_pair(a, b, s).await) })
        .buffered(jobs);
    while let Some((s, r)) = stream.next().await {
        match r? {
            None => out.counts.scenarios_skipped += 1,
            Some((xa, xb)) => {
                out.counts.scenarios_run += 1;
                if compare_all(run::pair(xa, xb), &mut out) {
                    progress(&format!("differs: suite/{}", s.id));
                }
            }
        }
    }
    let cases: Vec<u64> = match plan.case {
        Some(k) => vec![k],
        None => (0..plan.explore).collect(),
    };
    let mut stream = futures::stream::iter(cases)
        .map(|k| async move {
            let (family, steps) = explore::case(plan.seed, k, plan.caps);
            let r = case_pair(a, b, k, &family, &steps).await;
            (k, family, steps, r)
        })
        .buffered(jobs);
    let mut differing_cases = Vec::new();
    while let Some((k, family, steps, r)) = stream.next().await {
        out.counts.cases_run += 1;
        if compare_all(r?, &mut out) {
            progress(&format!(
                "differs: explore/{k} ({family}), rerun with --seed {} --case {k}",
                plan.seed
            ));
            differing_cases.push((k, family, steps));
        }
    }
    for (k, family, steps) in differing_cases {
        let original_steps = steps.len();
        let steps = if plan.reduce {
            reduce::reduce(a, b, k, &family, steps).await
        } else {
            steps
        };
        out.cases.push(DifferingCase {
            case: k,
            family,
            steps,
            original_steps,
        });
    }
    Ok(out)
}
