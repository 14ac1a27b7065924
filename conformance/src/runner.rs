//! Runs selected scenarios: acquires a gate per scenario, checks needs, runs the implementation
//! in its own task under a deadline (a panic or a hang fails that scenario alone), applies
//! expected failures, and reports each result as it finishes.

use crate::catalogue::{Need, Scenario, Suite};
use crate::check::{Evidence, Failure};
use crate::driver::{DriverFactory, Hello};
use crate::expected::ExpectedFailures;
use crate::report::{EvidenceReport, ScenarioResult, Terminal, Verdict};
use crate::target::{Acquired, TargetProvider};
use crate::{gate, sdk};
use futures::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Everything a run needs.
pub struct Runner {
    /// The gate.
    pub target: Arc<dyn TargetProvider>,
    /// The SDK driver, and its hello (read once at start).
    pub driver: Option<(Arc<dyn DriverFactory>, Hello)>,
    /// Known failures.
    pub expected: ExpectedFailures,
    /// Scenarios run at once.
    pub jobs: usize,
    /// Deadline per scenario.
    pub scenario_timeout: Duration,
}

/// Held for writing by a scenario that must run alone, for reading by the others.
static ALONE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// Held while a scenario runs: alone for one the catalogue marks `runs_alone`, beside the
/// others otherwise.
pub(crate) enum Turn {
    /// No other scenario runs meanwhile.
    Alone {
        _guard: tokio::sync::RwLockWriteGuard<'static, ()>,
    },
    /// Others that do not run alone may run meanwhile.
    Beside {
        _guard: tokio::sync::RwLockReadGuard<'static, ()>,
    },
}

/// Waits for `s`'s turn (see [`Turn`]).
pub(crate) async fn turn_of(s: &Scenario) -> Turn {
    if s.runs_alone {
        Turn::Alone {
            _guard: ALONE.write().await,
        }
    } else {
        Turn::Beside {
            _guard: ALONE.read().await,
        }
    }
}

impl Runner {
    /// Runs the scenarios (catalogue order kept in the results) and prints each as it finishes.
    pub async fn run(&self, scenarios: &[&Scenario], term: &mut Terminal) -> Vec<ScenarioResult> {
        let mut stream = futures::stream::iter(scenarios.iter().map(|s| self.run_one(s)))
            .buffered(self.jobs.max(1));
        let mut results = Vec::with_capacity(scenarios.len());
        while let Some(r) = stream.next().await {
            term.scenario(&r);
            results.push(r);
        }
        results
    }

    /// Runs one scenario: alone when the catalogue says so ([`Scenario::runs_alone`]), else
    /// beside the others.
    pub async fn run_one(&self, s: &Scenario) -> ScenarioResult {
        let _turn = turn_of(s).await;
        self.run_timed(s).await
    }

    async fn run_timed(&self, s: &Scenario) -> ScenarioResult {
        let start = Instant::now();
        let outcome = self.isolated(s).await;
        let duration_ms = start.elapsed().as_millis() as u64;
        let (mut verdict, reason, evidence) = match outcome {
            Ok(()) => (Verdict::Pass, None, None),
            Err(Failure::Skip(r)) => (Verdict::Skip, Some(r), None),
            Err(Failure::Fail(e)) => {
                let Evidence { message, .. } = &e;
                (
                    Verdict::Fail,
                    Some(message.clone()),
                    Some(EvidenceReport::from(e)),
                )
            }
        };
        let mut comment = None;
        if let Some(xf) = self.expected.lookup(&s.id) {
            match verdict {
                Verdict::Fail => {
                    verdict = Verdict::ExpectedFail;
                    comment = Some(xf.comment.clone());
                }
                Verdict::Pass => {
                    verdict = Verdict::UnexpectedPass;
                    comment = Some(xf.comment.clone());
                }
                _ => {}
            }
        }
        ScenarioResult {
            id: s.id.clone(),
            level: s.level,
            suite: s.suite,
            refs: s.refs.clone(),
            description: s.description.clone(),
            verdict,
            duration_ms,
            reason,
            evidence,
            expected_failure_comment: comment,
        }
    }

    /// Runs the scenario in a task of its own: a panic becomes a failure carrying the panic
    /// message, and a scenario still running at the deadline is aborted and fails alone.
    async fn isolated(&self, s: &Scenario) -> Result<(), Failure> {
        let task = tokio::spawn(execute(self.target.clone(), self.driver.clone(), s.clone()));
        let abort = task.abort_handle();
        match tokio::time::timeout(self.scenario_timeout, task).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(e)) if e.is_panic() => Err(Failure::fail(format!(
                "scenario panicked: {}",
                panic_message(e.into_panic())
            ))),
            Ok(Err(e)) => Err(Failure::fail(format!("scenario task ended: {e}"))),
            Err(_) => {
                abort.abort();
                Err(Failure::fail(format!(
                    "timed out after {} s (--scenario-timeout)",
                    self.scenario_timeout.as_secs_f64()
                )))
            }
        }
    }
}

/// The text of a panic payload (`panic!` with a literal or a formatted message).
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_else(|| "a panic without a message".into()),
    }
}

type Driver = Option<(Arc<dyn DriverFactory>, Hello)>;

/// One scenario, from acquiring its gate to its outcome; owns what it uses, so it can run in a
/// task of its own.
async fn execute(
    target: Arc<dyn TargetProvider>,
    driver: Driver,
    s: Scenario,
) -> Result<(), Failure> {
    if s.suite == Suite::Sdk {
        let Some((factory, hello)) = &driver else {
            return Err(Failure::skip("no SDK driver for this run (--sdk)"));
        };
        for need in &s.needs {
            if let Need::Driver(cap) = need {
                if !hello.capabilities.iter().any(|c| c == cap) {
                    return Err(Failure::skip(format!(
                        "the driver does not declare capability '{cap}'"
                    )));
                }
            }
        }
        let acquired = acquire(target.as_ref(), &s).await?;
        sdk::run(&s, acquired.env.clone(), factory.as_ref()).await
    } else {
        let imp = gate::implementation(&s)
            .ok_or_else(|| Failure::fail("no implementation for this scenario"))?;
        let acquired = acquire(target.as_ref(), &s).await?;
        let mut ctx = gate::GateCtx::new(acquired.env.clone(), s);
        let result = imp(&mut ctx).await;
        result.map_err(|f| ctx.annotate(f))
    }
}

/// The scenario's gate, once its needs are known to be met there.
async fn acquire(target: &dyn TargetProvider, s: &Scenario) -> Result<Acquired, Failure> {
    let acquired = target
        .acquire()
        .await
        .map_err(|e| Failure::fail(format!("target unavailable: {e}")))?;
    check_needs(s, &acquired.env)?;
    Ok(acquired)
}

/// Results for a run whose target cannot be reached (no Docker engine): every scenario skipped
/// with `reason`.
pub fn skipped(scenarios: &[&Scenario], reason: &str) -> Vec<ScenarioResult> {
    scenarios
        .iter()
        .map(|s| ScenarioResult {
            id: s.id.clone(),
            level: s.level,
            suite: s.suite,
            refs: s.refs.clone(),
            description: s.description.clone(),
            verdict: Verdict::Skip,
            duration_ms: 0,
            reason: Some(reason.to_string()),
            evidence: None,
            expected_failure_comment: None,
        })
        .collect()
}

fn check_needs(s: &Scenario, env: &crate::target::GateEnv) -> Result<(), Failure> {
    for need in &s.needs {
        if let Some(reason) = env.lacks(need) {
            return Err(Failure::skip(reason));
        }
    }
    Ok(())
}
