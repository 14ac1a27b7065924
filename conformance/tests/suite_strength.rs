//! Suite strength. Each mutant breaks one rule: a mock mutant switch (one disabled enforcement
//! rule of the gate) or an SDK mutant (the Rust SDK's driver wrapped to break one contract rule).
//! Every scenario must first pass on the faithful pair, and only such scenarios count as killing
//! a mutant: a scenario that fails everywhere kills nothing. Prints the mutant → killers tables.

mod support;

use latchgate_conformance::catalogue::{Catalogue, Suite};
use latchgate_conformance::driver::DriverFactory;
use latchgate_conformance::report::{ScenarioResult, Verdict};
use latchgate_conformance::target::MockTarget;
use latchgate_mock::Mutant;
use std::collections::BTreeMap;
use std::sync::Arc;
use support::sdk_mutants::{MutantDriver, SdkMutant};
use support::{assert_none, ids_with, must_not_passed, run, rust_driver, scenarios};

/// Mutant name → the scenarios that kill it (failing scenarios that pass on the faithful pair).
type Kills = BTreeMap<String, Vec<String>>;

fn killers(results: &[ScenarioResult], valid: &[String]) -> Vec<String> {
    ids_with(results, Verdict::Fail)
        .into_iter()
        .filter(|id| valid.contains(id))
        .collect()
}

/// Prints the table and the kill rate; fails naming the survivors.
fn assert_all_killed(kills: &Kills) {
    let mut table = String::from("| mutant (broken rule) | killed by |\n|---|---|\n");
    for (m, k) in kills {
        let shown = match k.len() {
            0 => "**survives**".to_string(),
            1..=6 => k
                .iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", "),
            n => format!(
                "{} … ({n} scenarios)",
                k[..6]
                    .iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        table.push_str(&format!("| `{m}` | {shown} |\n"));
    }
    let survivors: Vec<&String> = kills
        .iter()
        .filter(|(_, k)| k.is_empty())
        .map(|(m, _)| m)
        .collect();
    println!(
        "{table}\nkill rate: {}/{} mutants",
        kills.len() - survivors.len(),
        kills.len()
    );
    assert!(
        survivors.is_empty(),
        "mutants no scenario kills: {survivors:?}\n{table}"
    );
}

fn assert_killed_by(kills: &Kills, mutant: &str, scenario: &str) {
    let k = kills.get(mutant).cloned().unwrap_or_default();
    assert!(
        k.iter().any(|id| id == scenario),
        "{scenario} must kill mutant {mutant}; its killers: {k:?}"
    );
}

/// Runs `suite` on the faithful pair; every MUST scenario must pass. Returns the passing ids.
async fn faithful_passes(
    suite: &[&latchgate_conformance::catalogue::Scenario],
    driver: Option<Arc<dyn DriverFactory>>,
) -> Vec<String> {
    let results = run(Arc::new(MockTarget::new()), driver, suite).await;
    assert_none(
        &must_not_passed(&results),
        "MUST scenarios do not pass on the faithful pair (a precondition: they cannot judge a mutant)",
    );
    ids_with(&results, Verdict::Pass)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_gate_mutant_is_killed_by_a_scenario_that_passes_on_the_faithful_mock() {
    let catalogue = Catalogue::builtin();
    let gate = scenarios(&catalogue, Some(Suite::Gate));
    let valid = faithful_passes(&gate, None).await;
    let mut kills = Kills::new();
    for m in Mutant::ALL {
        let results = run(Arc::new(MockTarget::with_mutant(m)), None, &gate).await;
        kills.insert(m.name(), killers(&results, &valid));
    }
    assert_all_killed(&kills);
    // The checks that took any non-403 (a 500 included) as "passed the policy" now see it.
    assert_killed_by(
        &kills,
        "allowed_network_call_fails",
        "admin.policy.grant-allows",
    );
    assert_killed_by(
        &kills,
        "allowed_network_call_fails",
        "admin.domains.add-removes-approval",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sdk_mutant_is_killed_by_a_scenario_that_passes_with_the_faithful_sdk() {
    let catalogue = Catalogue::builtin();
    let sdk = scenarios(&catalogue, Some(Suite::Sdk));
    let valid = faithful_passes(&sdk, rust_driver()).await;
    let mut kills = Kills::new();
    for m in SdkMutant::ALL {
        let driver: Arc<dyn DriverFactory> = Arc::new(MutantDriver(m));
        let results = run(Arc::new(MockTarget::new()), Some(driver), &sdk).await;
        kills.insert(m.name().to_string(), killers(&results, &valid));
    }
    assert_all_killed(&kills);
    // The checks that were blind to these rules: connections counted instead of requests, no
    // renewal required, success rows skipped.
    assert_killed_by(&kills, "io_after_close", "sdk.life.close");
    assert_killed_by(&kills, "io_after_close", "sdk.err.transport-and-closed");
    assert_killed_by(
        &kills,
        "never_renews",
        "sdk.conn.renewal-unavailable-proceeds",
    );
    assert_killed_by(&kills, "ignores_error_statuses", "sdk.err.attributes");
}
