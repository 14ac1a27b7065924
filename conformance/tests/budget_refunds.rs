//! The budget refund scenarios: they pass on the faithful mock, the no-refund one catches a gate
//! that ignores budgets, and both are skipped with the reason where actions cannot be registered.

use latchgate_conformance::catalogue::{Catalogue, Scenario};
use latchgate_conformance::expected::ExpectedFailures;
use latchgate_conformance::http::Endpoint;
use latchgate_conformance::report::{ScenarioResult, Terminal, Verdict};
use latchgate_conformance::runner::Runner;
use latchgate_conformance::target::{MockTarget, RemoteOptions, RemoteTarget, TargetProvider};
use latchgate_mock::{MockGate, Mutant};
use std::sync::Arc;
use std::time::Duration;

const REFUND: &str = "budget.refund.pre-dispatch-failure";
const NO_REFUND: &str = "budget.no-refund.post-dispatch-failure";

async fn run(target: Arc<dyn TargetProvider>, id: &str) -> ScenarioResult {
    let catalogue = Catalogue::builtin();
    let scenario: Vec<&Scenario> = catalogue
        .scenarios()
        .iter()
        .filter(|s| s.id == id)
        .collect();
    assert_eq!(scenario.len(), 1, "scenario {id} is not in the catalogue");
    let runner = Runner {
        target,
        driver: None,
        expected: ExpectedFailures::default(),
        jobs: 1,
        scenario_timeout: Duration::from_secs(30),
    };
    let mut term = Terminal::quiet(1);
    runner.run(&scenario, &mut term).await.remove(0)
}

fn verdict_of(r: &ScenarioResult) -> String {
    format!("{:?}: {}", r.verdict, r.reason.as_deref().unwrap_or(""))
}

/// Fails unless `r` is a skip whose reason says `because`.
fn assert_skipped(r: ScenarioResult, because: &str) {
    assert_eq!(r.verdict, Verdict::Skip, "{}: {}", r.id, verdict_of(&r));
    let reason = r.reason.unwrap_or_default();
    assert!(reason.contains(because), "{}: skip reason '{reason}'", r.id);
}

/// A mock gate and its client URL (no trailing slash).
async fn gate_and_client_url() -> (MockGate, String) {
    let gate = MockGate::builder().start().await.expect("mock gate starts");
    let url = gate
        .url()
        .expect("client URL")
        .trim_end_matches('/')
        .to_string();
    (gate, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pre_dispatch_failure_is_refunded_on_the_mock() {
    let r = run(Arc::new(MockTarget::new()), REFUND).await;
    assert_eq!(r.verdict, Verdict::Pass, "{}", verdict_of(&r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_dispatch_failure_is_not_refunded_on_the_mock() {
    let r = run(Arc::new(MockTarget::new()), NO_REFUND).await;
    assert_eq!(r.verdict, Verdict::Pass, "{}", verdict_of(&r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_refund_scenario_fails_on_a_gate_ignoring_budgets() {
    let target = MockTarget::with_mutant(Mutant::IgnoreBudgets);
    let r = run(Arc::new(target), NO_REFUND).await;
    assert_eq!(r.verdict, Verdict::Fail, "{}", verdict_of(&r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_scenarios_are_skipped_without_an_admin_listener() {
    let (gate, url) = gate_and_client_url().await;
    let target =
        RemoteTarget::new(Endpoint::Tcp(url), &RemoteOptions::default()).expect("remote target");
    let target: Arc<dyn TargetProvider> = Arc::new(target);
    for id in [REFUND, NO_REFUND] {
        assert_skipped(run(Arc::clone(&target), id).await, "register actions");
    }
    gate.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_scenarios_are_skipped_when_the_admin_listener_has_no_control_api() {
    // The client listener stands in for an admin listener without `/_mock/` routes.
    let (gate, url) = gate_and_client_url().await;
    let opts = RemoteOptions {
        admin: Some(Endpoint::Tcp(url.clone())),
        ..RemoteOptions::default()
    };
    let target = RemoteTarget::new(Endpoint::Tcp(url), &opts).expect("remote target");
    assert_skipped(
        run(Arc::new(target), REFUND).await,
        "/_mock/actions answered",
    );
    gate.shutdown().await;
}
