//! A scenario that panics or hangs fails alone: the others still pass and the report is written.
//! The fault comes from a driver wrapped around the Rust driver that panics on `health` and never
//! answers `list_actions`, so only the scenarios sending those commands meet it.

mod support;

use futures::future::BoxFuture;
use latchgate_conformance::catalogue::Catalogue;
use latchgate_conformance::driver::{
    DriverError, DriverFactory, DriverSession, Hello, Reply, RustDriver,
};
use latchgate_conformance::expected::ExpectedFailures;
use latchgate_conformance::report::{self, ScenarioResult, Verdict};
use latchgate_conformance::target::MockTarget;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use support::{pick, report_of, run_timed};

const PANICS: &str = "sdk.disc.health";
const HANGS: &str = "sdk.disc.calls";
const FINE: [&str; 2] = ["sdk.lease.request-shape", "sdk.pkg.version"];

struct Faulty(RustDriver);

struct FaultySession(Box<dyn DriverSession>);

impl DriverSession for FaultySession {
    fn hello(&self) -> &Hello {
        self.0.hello()
    }

    fn call(&mut self, cmd: Value) -> BoxFuture<'_, Result<Reply, DriverError>> {
        match cmd["cmd"].as_str() {
            Some("health") => panic!("driver wrapper exploded on health"),
            Some("list_actions") => Box::pin(futures::future::pending()),
            _ => self.0.call(cmd),
        }
    }

    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        self.0.shutdown()
    }
}

impl DriverFactory for Faulty {
    fn spec(&self) -> String {
        "faulty".into()
    }

    fn start(&self) -> BoxFuture<'_, Result<Box<dyn DriverSession>, DriverError>> {
        Box::pin(async move {
            let inner = self.0.start().await?;
            Ok(Box::new(FaultySession(inner)) as Box<dyn DriverSession>)
        })
    }
}

/// Runs the `FINE` scenarios and `faulty` ones with the faulty driver.
async fn faulty_run(faulty: &[&str], timeout: Duration) -> Vec<ScenarioResult> {
    let catalogue = Catalogue::builtin();
    let ids = [faulty, &FINE[..]].concat();
    let picked = pick(&catalogue, &ids);
    let driver: Arc<dyn DriverFactory> = Arc::new(Faulty(RustDriver));
    let target = Arc::new(MockTarget::new());
    run_timed(
        target,
        Some(driver),
        &picked,
        ExpectedFailures::default(),
        timeout,
    )
    .await
}

fn result<'a>(results: &'a [ScenarioResult], id: &str) -> &'a ScenarioResult {
    results
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no result for {id}"))
}

/// `id` failed with every `evidence` text in its reason, and the `FINE` scenarios passed beside it.
fn assert_failed_alone(results: &[ScenarioResult], id: &str, evidence: &[&str]) {
    let r = result(results, id);
    assert_eq!(r.verdict, Verdict::Fail, "{id}: {r:?}");
    let reason = r.reason.as_deref().unwrap_or_default();
    assert!(
        evidence.iter().all(|e| reason.contains(e)),
        "the evidence of {id} should say {evidence:?}, got: {reason}"
    );
    for fine in FINE {
        let verdict = result(results, fine).verdict;
        assert_eq!(verdict, Verdict::Pass, "{fine} beside {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panicking_scenario_fails_alone_with_the_panic_message() {
    let results = faulty_run(&[PANICS], Duration::from_secs(60)).await;
    let evidence = ["panicked", "driver wrapper exploded on health"];
    assert_failed_alone(&results, PANICS, &evidence);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_scenario_fails_alone_after_the_scenario_timeout() {
    let results = faulty_run(&[HANGS], Duration::from_secs(5)).await;
    assert_failed_alone(&results, HANGS, &["timed out after 5 s"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_a_panic_and_a_hang_still_writes_its_report() {
    let results = faulty_run(&[PANICS, HANGS], Duration::from_secs(5)).await;
    let report = report_of(results);
    let json: Value = serde_json::from_str(&report::to_json(&report)).expect("report is JSON");
    let ids: Vec<&str> = json["results"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids.len(), 4, "every scenario is in the report: {ids:?}");
}
