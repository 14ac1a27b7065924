//! `diff` can fail: the mock against the mock with one enforcement rule disabled (each of its
//! test-only mutants) reports at least one differing exchange.

use latchgate_conformance::parity::run::Side;
use latchgate_conformance::parity::{run_diff, suite_scenarios, DiffPlan};
use latchgate_conformance::target::MockTarget;
use latchgate_mock::Mutant;
use std::sync::Arc;

fn side(label: &str, t: MockTarget) -> Side {
    Side {
        label: label.into(),
        provider: Arc::new(t.own_base()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_reports_a_difference_for_every_mutant() {
    let plan = DiffPlan {
        scenarios: suite_scenarios(&[]).expect("catalogue"),
        explore: 0,
        jobs: 8,
        ..DiffPlan::default()
    };
    let a = side("mock", MockTarget::new());
    let mut unnoticed = Vec::new();
    for m in Mutant::ALL {
        let b = side("mutant", MockTarget::with_mutant(m));
        let out = run_diff(&a, &b, &plan, &|_| {}).await.expect("diff runs");
        if out.differing.is_empty() {
            unnoticed.push(m.name());
        }
    }
    assert!(
        unnoticed.is_empty(),
        "mutants diff did not notice: {unnoticed:?}"
    );
}
