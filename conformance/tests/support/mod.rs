//! Shared by the suite's self-checks: run scenarios in process and describe failures.
#![allow(dead_code)] // each test binary uses its own part

use latchgate_conformance::catalogue::{Catalogue, Level, Scenario, Suite};
use latchgate_conformance::driver::{DriverFactory, RustDriver};
use latchgate_conformance::expected::ExpectedFailures;
use latchgate_conformance::report::{RunInfo, RunReport, ScenarioResult, Terminal, Verdict};
use latchgate_conformance::runner::Runner;
use latchgate_conformance::target::TargetProvider;
use std::sync::Arc;
use std::time::Duration;

/// The scenarios of one suite (both when `None`), catalogue order.
pub fn scenarios(catalogue: &Catalogue, suite: Option<Suite>) -> Vec<&Scenario> {
    catalogue
        .scenarios()
        .iter()
        .filter(|s| suite.is_none_or(|want| s.suite == want))
        .collect()
}

/// Runs `scenarios` on `target` through `driver` (none: gate scenarios only), quietly.
pub async fn run(
    target: Arc<dyn TargetProvider>,
    driver: Option<Arc<dyn DriverFactory>>,
    scenarios: &[&Scenario],
) -> Vec<ScenarioResult> {
    run_with(target, driver, scenarios, ExpectedFailures::default()).await
}

/// [`run`] with an expected-failures list.
pub async fn run_with(
    target: Arc<dyn TargetProvider>,
    driver: Option<Arc<dyn DriverFactory>>,
    scenarios: &[&Scenario],
    expected: ExpectedFailures,
) -> Vec<ScenarioResult> {
    let timeout = Duration::from_secs(60);
    run_timed(target, driver, scenarios, expected, timeout).await
}

/// [`run_with`] with the time one scenario may take.
pub async fn run_timed(
    target: Arc<dyn TargetProvider>,
    driver: Option<Arc<dyn DriverFactory>>,
    scenarios: &[&Scenario],
    expected: ExpectedFailures,
    scenario_timeout: Duration,
) -> Vec<ScenarioResult> {
    let driver = match driver {
        Some(d) => {
            let session = d.start().await.expect("the driver starts and says hello");
            let hello = session.hello().clone();
            session.shutdown().await;
            Some((d, hello))
        }
        None => None,
    };
    let runner = Runner {
        target,
        driver,
        expected,
        jobs: 8,
        scenario_timeout,
    };
    runner
        .run(scenarios, &mut Terminal::quiet(scenarios.len()))
        .await
}

/// The catalogue's scenarios with these ids, catalogue order; every id must exist.
pub fn pick<'a>(catalogue: &'a Catalogue, ids: &[&str]) -> Vec<&'a Scenario> {
    let picked: Vec<&Scenario> = catalogue
        .scenarios()
        .iter()
        .filter(|s| ids.contains(&s.id.as_str()))
        .collect();
    assert_eq!(picked.len(), ids.len(), "the scenarios {ids:?} exist");
    picked
}

/// A report of `results` against the mock, as the runner writes it.
pub fn report_of(results: Vec<ScenarioResult>) -> RunReport {
    RunReport::new(RunInfo::new("mock"), results, 1)
}

/// The runner binary, ready for arguments.
pub fn conformance() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_latchgate-conformance"))
}

/// What a finished runner wrote on stderr.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The Rust SDK's in-process driver.
pub fn rust_driver() -> Option<Arc<dyn DriverFactory>> {
    Some(Arc::new(RustDriver))
}

/// The MUST scenarios whose verdict is not `Pass`, each with its reason and evidence.
pub fn must_not_passed(results: &[ScenarioResult]) -> Vec<&ScenarioResult> {
    results
        .iter()
        .filter(|r| r.level == Level::Must && r.verdict != Verdict::Pass)
        .collect()
}

/// Ids of results with `verdict`.
pub fn ids_with(results: &[ScenarioResult], verdict: Verdict) -> Vec<String> {
    results
        .iter()
        .filter(|r| r.verdict == verdict)
        .map(|r| r.id.clone())
        .collect()
}

/// Panics unless `found` is empty, with their number, `what` they are, and each one explained.
pub fn assert_none(found: &[&ScenarioResult], what: &str) {
    assert!(
        found.is_empty(),
        "{} {what}:\n{}",
        found.len(),
        explain(found)
    );
}

/// One block per result: id, verdict, reason, expected/actual and excerpts.
pub fn explain(results: &[&ScenarioResult]) -> String {
    results
        .iter()
        .map(|r| {
            let mut s = format!(
                "{} {}: {}",
                r.verdict.label(),
                r.id,
                r.reason.as_deref().unwrap_or("")
            );
            if let Some(e) = &r.evidence {
                if let (Some(x), Some(a)) = (&e.expected, &e.actual) {
                    s.push_str(&format!("\n  expected: {x}\n  actual:   {a}"));
                }
                for ex in &e.excerpts {
                    s.push_str(&format!("\n  {}", ex.replace('\n', "\n  ")));
                }
            }
            s
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub mod sdk_mutants;
