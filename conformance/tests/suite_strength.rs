//! Suite strength: every mutant switch of the mock (one disabled enforcement rule each) must be
//! killed by at least one gate scenario. Prints the rule → killing scenarios table.

use latchgate_conformance::catalogue::{Catalogue, Suite};
use latchgate_conformance::expected::ExpectedFailures;
use latchgate_conformance::report::{Terminal, Verdict};
use latchgate_conformance::runner::Runner;
use latchgate_conformance::target::MockTarget;
use latchgate_mock::Mutant;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutant_is_killed_by_a_gate_scenario() {
    let catalogue = Catalogue::builtin();
    let gate: Vec<_> = catalogue
        .scenarios()
        .iter()
        .filter(|s| s.suite == Suite::Gate)
        .collect();
    let mut survivors = Vec::new();
    let mut table = String::from("| mutant (disabled rule) | killed by |\n|---|---|\n");
    for m in Mutant::ALL {
        let runner = Runner {
            target: Arc::new(MockTarget::with_mutant(m)),
            driver: None,
            expected: ExpectedFailures::default(),
            jobs: 8,
            scenario_timeout: Duration::from_secs(60),
        };
        let mut term = Terminal::quiet(gate.len());
        let results = runner.run(&gate, &mut term).await;
        let killers: Vec<String> = results
            .iter()
            .filter(|r| r.verdict == Verdict::Fail)
            .map(|r| format!("`{}`", r.id))
            .collect();
        if killers.is_empty() {
            survivors.push(m.name());
        }
        let shown = if killers.len() > 6 {
            format!(
                "{} … ({} scenarios)",
                killers[..6].join(", "),
                killers.len()
            )
        } else {
            killers.join(", ")
        };
        table.push_str(&format!(
            "| `{}` | {} |\n",
            m.name(),
            if shown.is_empty() {
                "**survives**".into()
            } else {
                shown
            }
        ));
    }
    let killed = Mutant::ALL.len() - survivors.len();
    println!("{table}\nkill rate: {killed}/{} mutants", Mutant::ALL.len());
    assert!(
        survivors.is_empty(),
        "mutants no gate scenario kills: {survivors:?}\n{table}"
    );
}
