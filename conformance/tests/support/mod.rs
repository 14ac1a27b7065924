//! Shared by the suite's self-checks: run scenarios in process and describe failures.
#![allow(dead_code)] // each test binary uses its own part

use latchgate_conformance::catalogue::{Catalogue, Level, Scenario, Suite};
use latchgate_conformance::driver::{DriverFactory, RustDriver};
use latchgate_conformance::expected::ExpectedFailures;
use latchgate_conformance::report::{ScenarioResult, Terminal, Verdict};
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
        scenario_timeout: Duration::from_secs(60),
    };
    runner
        .run(scenarios, &mut Terminal::quiet(scenarios.len()))
        .await
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
