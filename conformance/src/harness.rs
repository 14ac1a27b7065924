//! Every scenario as a test of your own `cargo test` (a `harness = false` test target, through
//! libtest-mimic): listed by `cargo test -- --list` and `cargo nextest list`, filtered by id
//! (`cargo test --test conformance -- dpop.typ`), run in parallel, failures shown with their
//! evidence.
//!
//! ```toml
//! [[test]]
//! name = "conformance"
//! harness = false
//! ```
//!
//! ```no_run
//! // tests/conformance.rs
//! fn main() -> std::process::ExitCode {
//!     let run = latchgate_conformance::Run::new().sdk("cmd:node driver.js").target("mock");
//!     latchgate_conformance::harness::main(run)
//! }
//! ```
//!
//! A scenario that cannot run here (a capability the driver lacks, a need the target lacks) passes
//! with the skip reason printed; an expected failure passes; a SHOULD failure passes with its
//! evidence printed; a MUST failure fails with its evidence.

use crate::catalogue::{Level, Scenario};
use crate::report::{failure_text, ScenarioResult, Verdict};
use crate::run::{Prepared, Run};
use libtest_mimic::{Arguments, Failed, Trial};
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};

/// Parses the test binary's arguments, runs the selected scenarios of `run` as tests and returns
/// the exit code (101 when a test failed, as libtest; 2 when the run cannot be set up).
pub fn main(run: Run) -> ExitCode {
    let args = Arguments::from_args();
    match trials(run) {
        Ok(trials) => libtest_mimic::run(&args, trials).exit_code(),
        Err(e) => {
            eprintln!("latchgate-conformance harness: {e}");
            ExitCode::from(2)
        }
    }
}

/// The selected scenarios of `run` as libtest-mimic trials named by scenario id (to add them to a
/// harness of your own). The target and the driver start once, at the first trial that runs.
pub fn trials(run: Run) -> Result<Vec<Trial>, crate::RunError> {
    let scenarios = run.scenarios()?;
    let shared = Arc::new(Shared {
        run,
        scenarios: scenarios.clone(),
        runtime: OnceLock::new(),
        prepared: OnceLock::new(),
    });
    Ok(scenarios
        .into_iter()
        .map(|s| {
            let shared = Arc::clone(&shared);
            Trial::test(s.id.clone(), move || shared.trial(&s))
        })
        .collect())
}

struct Shared {
    run: Run,
    scenarios: Vec<Scenario>,
    runtime: OnceLock<Result<tokio::runtime::Runtime, String>>,
    prepared: OnceLock<Result<Prepared, String>>,
}

impl Shared {
    fn trial(&self, s: &Scenario) -> Result<(), Failed> {
        let runtime = self
            .runtime
            .get_or_init(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start an async runtime: {e}"))
            })
            .as_ref()
            .map_err(|e| Failed::from(e.as_str()))?;
        let prepared = self
            .prepared
            .get_or_init(|| {
                runtime
                    .block_on(self.run.prepare(&self.scenarios))
                    .map_err(|e| format!("the run could not start: {e}"))
            })
            .as_ref()
            .map_err(|e| Failed::from(e.as_str()))?;
        outcome(&runtime.block_on(prepared.runner.run_one(s)))
    }
}

/// What a scenario result means for its test.
fn outcome(r: &ScenarioResult) -> Result<(), Failed> {
    match (r.verdict, r.level) {
        (Verdict::Fail, Level::Must) => Err(Failed::from(failure_text(r))),
        (Verdict::Fail, Level::Should) => {
            println!("SHOULD scenario failed (not fatal):\n{}", failure_text(r));
            Ok(())
        }
        (Verdict::Skip, _) => {
            println!(
                "skipped: {}",
                r.reason.as_deref().unwrap_or("no reason given")
            );
            Ok(())
        }
        (Verdict::ExpectedFail | Verdict::UnexpectedPass, _) => {
            println!("{}", failure_text(r));
            Ok(())
        }
        (Verdict::Pass, _) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Suite;

    fn result(verdict: Verdict, level: Level) -> ScenarioResult {
        ScenarioResult {
            id: "x.y".into(),
            level,
            suite: Suite::Gate,
            refs: vec!["PROTOCOL §1".into()],
            description: "what x.y checks".into(),
            verdict,
            duration_ms: 1,
            reason: Some("status 200, expected 401".into()),
            evidence: None,
            expected_failure_comment: None,
        }
    }

    #[test]
    fn a_must_failure_fails_its_test_with_the_reason() {
        let err = outcome(&result(Verdict::Fail, Level::Must)).unwrap_err();
        let text = format!("{err:?}");
        assert!(
            text.contains("status 200, expected 401"),
            "the failure message lacks the reason: {text}"
        );
    }

    #[test]
    fn should_failures_skips_and_expected_failures_pass_their_test() {
        for (v, l) in [
            (Verdict::Fail, Level::Should),
            (Verdict::Skip, Level::Must),
            (Verdict::ExpectedFail, Level::Must),
            (Verdict::UnexpectedPass, Level::Must),
            (Verdict::Pass, Level::Must),
        ] {
            assert!(
                outcome(&result(v, l)).is_ok(),
                "{v:?} {l:?} should not fail its test"
            );
        }
    }

    #[test]
    fn trials_are_named_by_scenario_id() {
        let run = Run::new().only("dpop.typ.*");
        let names: Vec<String> = trials(run.clone())
            .expect("a valid selection")
            .iter()
            .map(|t| t.name().to_string())
            .collect();
        let ids: Vec<String> = run.scenarios().unwrap().into_iter().map(|s| s.id).collect();
        assert_eq!(names, ids);
    }
}
