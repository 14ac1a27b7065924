//! Every scenario of the catalogue on a known-good pair: the Rust SDK against the in-process mock,
//! strict and lax (`lax_all`, the real gate v0.2.0's exact behaviour). A scenario that fails on
//! every gate, or crashes, is caught here before it can count as "killing" a mutant.

mod support;

use latchgate_conformance::catalogue::Catalogue;
use latchgate_conformance::report::{ScenarioResult, Verdict};
use latchgate_conformance::target::MockTarget;
use std::sync::Arc;
use support::{assert_none, explain, ids_with, must_not_passed, run, rust_driver, scenarios};

/// The scenarios that expose the real gate's laxness (RFC 9449 holes it has): they pass on the
/// strict mock and must fail on the lax one.
const EXPOSE_LAXNESS: [&str; 4] = [
    "dpop.header.checked-on-warm-key",
    "dpop.header.duplicate",
    "dpop.jwk.private-member",
    "operator.reject.foreign-key",
];

/// The catalogue's scenario count, and the results of every scenario with the Rust SDK on `mock`.
async fn every_scenario_on(mock: MockTarget) -> (usize, Vec<ScenarioResult>) {
    let catalogue = Catalogue::builtin();
    let all = scenarios(&catalogue, None);
    (all.len(), run(Arc::new(mock), rust_driver(), &all).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_must_scenario_passes_with_the_rust_sdk_on_the_strict_mock() {
    let (scenario_count, results) = every_scenario_on(MockTarget::new()).await;
    assert_eq!(results.len(), scenario_count, "every scenario has a result");
    assert_none(
        &must_not_passed(&results),
        "MUST scenarios did not pass on the strict mock with the Rust SDK",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_lax_mock_only_the_laxness_scenarios_fail() {
    let (_, results) = every_scenario_on(MockTarget::lax()).await;
    let bad: Vec<_> = must_not_passed(&results)
        .into_iter()
        .filter(|r| !EXPOSE_LAXNESS.contains(&r.id.as_str()))
        .collect();
    assert!(
        bad.is_empty(),
        "{} MUST scenarios did not pass on the lax mock with the Rust SDK:\n{}",
        bad.len(),
        explain(&bad)
    );
    let mut exposed = ids_with(&results, Verdict::Fail);
    exposed.sort();
    assert_eq!(
        exposed,
        EXPOSE_LAXNESS.map(String::from).to_vec(),
        "the lax mock (the real gate's holes) must fail exactly the scenarios that expose them"
    );
}
