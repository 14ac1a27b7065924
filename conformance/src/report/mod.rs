//! Results of a run and their renderings: live terminal lines, a JSON report
//! (`fixtures/schemas/report.schema.json`), JUnit XML and a self-contained HTML page.

mod error;
pub mod html;
mod json;
mod junit;
mod outputs;
mod sink;
mod terminal;

pub use error::ReportError;
pub use json::to_json;
pub use junit::to_junit;
pub use outputs::{read_report, Outputs};
pub use sink::{Sink, Sinks};
pub use terminal::{failure_text, paint_summary, summary_text, ColorChoice, Terminal};

use crate::catalogue::{Level, Suite};
use crate::check::Evidence;
use serde::Serialize;

/// Version of the JSON report format.
pub const REPORT_FORMAT: u32 = 1;

/// The verdict on one scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check held.
    Pass,
    /// A check failed.
    Fail,
    /// The scenario could not run here; the reason says why.
    Skip,
    /// It failed, and the expected-failures file says it would (with a comment).
    ExpectedFail,
    /// It is listed as an expected failure but passed: the entry is stale.
    UnexpectedPass,
}

impl Verdict {
    /// Upper-case label for the terminal.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "SKIP",
            Verdict::ExpectedFail => "XFAIL",
            Verdict::UnexpectedPass => "XPASS",
        }
    }
}

/// What happened to one scenario.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioResult {
    /// Scenario id.
    pub id: String,
    /// MUST or SHOULD.
    pub level: Level,
    /// gate or sdk.
    pub suite: Suite,
    /// Requirement refs, copied from the catalogue.
    pub refs: Vec<String>,
    /// One-line description.
    pub description: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// Skip reason, or the failed check's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For failures: expected vs actual and excerpts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceReport>,
    /// For expected failures: the comment from the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_failure_comment: Option<String>,
}

/// Serializable failure evidence.
#[derive(Clone, Debug, Serialize)]
pub struct EvidenceReport {
    /// What should have happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// Exchanges and driver outcomes.
    pub excerpts: Vec<String>,
}

impl From<Evidence> for EvidenceReport {
    fn from(e: Evidence) -> Self {
        EvidenceReport {
            expected: e.expected,
            actual: e.actual,
            excerpts: e.excerpts,
        }
    }
}

/// What was tested, for the report header.
#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    /// Runner version.
    pub runner_version: String,
    /// The target's description.
    pub target: String,
    /// The SDK under test: name and version from the driver's hello, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sdk: Option<SdkInfo>,
    /// RFC 3339 start time.
    pub started_at: String,
    /// `--shard`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

impl RunInfo {
    /// The header of a run starting now against `target`: this runner's version, no SDK, no
    /// shard.
    pub fn new(target: impl Into<String>) -> Self {
        RunInfo {
            runner_version: env!("CARGO_PKG_VERSION").into(),
            target: target.into(),
            sdk: None,
            started_at: chrono::Utc::now().to_rfc3339(),
            shard: None,
        }
    }
}

/// The SDK as its driver announced it.
#[derive(Clone, Debug, Serialize)]
pub struct SdkInfo {
    /// Driver spec: rust, python, cmd:…
    pub driver: String,
    /// SDK name.
    pub name: String,
    /// SDK version.
    pub version: String,
    /// Declared capabilities.
    pub capabilities: Vec<String>,
}

/// Counts per verdict for one level.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Tally {
    /// Passed.
    pub pass: usize,
    /// Failed.
    pub fail: usize,
    /// Skipped.
    pub skip: usize,
    /// Expected failures.
    pub expected_fail: usize,
    /// Expected failures that passed.
    pub unexpected_pass: usize,
}

impl Tally {
    /// True when at least one scenario ran to a verdict (passed, failed, or was judged against
    /// the expected-failures file).
    pub fn ran(&self) -> bool {
        self.pass + self.fail + self.expected_fail + self.unexpected_pass > 0
    }

    fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Pass => self.pass += 1,
            Verdict::Fail => self.fail += 1,
            Verdict::Skip => self.skip += 1,
            Verdict::ExpectedFail => self.expected_fail += 1,
            Verdict::UnexpectedPass => self.unexpected_pass += 1,
        }
    }
}

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// Report format version.
    pub format: u32,
    /// Header.
    pub run: RunInfo,
    /// Totals for MUST scenarios.
    pub must: Tally,
    /// Totals for SHOULD scenarios.
    pub should: Tally,
    /// Wall time of the run in milliseconds.
    pub duration_ms: u64,
    /// True when every MUST passed or is an expected failure and at least one MUST scenario
    /// ran (exit code 0); `--max-skips` / `--require` may turn it false.
    pub conformant: bool,
    /// Per-scenario results, catalogue order.
    pub results: Vec<ScenarioResult>,
}

impl RunReport {
    /// Builds the report and its totals.
    pub fn new(run: RunInfo, results: Vec<ScenarioResult>, duration_ms: u64) -> Self {
        let (mut must, mut should) = (Tally::default(), Tally::default());
        for r in &results {
            match r.level {
                Level::Must => must.add(r.verdict),
                Level::Should => should.add(r.verdict),
            }
        }
        RunReport {
            format: REPORT_FORMAT,
            run,
            conformant: must.fail == 0 && must.ran(),
            must,
            should,
            duration_ms,
            results,
        }
    }
}

impl RunReport {
    /// The MUST scenarios that failed (expected failures excluded).
    pub fn failures(&self) -> Vec<&crate::report::ScenarioResult> {
        self.results
            .iter()
            .filter(|r| r.verdict == Verdict::Fail && r.level == crate::catalogue::Level::Must)
            .collect()
    }

    /// Panics unless every MUST scenario passed or is an expected failure; the message lists
    /// each failure with its evidence, then the summary.
    pub fn assert_conformant(&self) {
        if self.conformant {
            return;
        }
        panic!("{}", self.failure_listing());
    }

    /// The text [`RunReport::assert_conformant`] panics with.
    pub fn failure_listing(&self) -> String {
        let failures = self.failures();
        let mut text = format!(
            "{} MUST scenario(s) failed against {}{}:\n",
            failures.len(),
            self.run.target,
            self.run
                .sdk
                .as_ref()
                .map(|s| format!(" with {} {} ({})", s.name, s.version, s.driver))
                .unwrap_or_default()
        );
        for r in failures {
            text.push_str(&format!("\n--- {} ({})\n", r.id, r.suite.as_str()));
            text.push_str(&failure_text(r));
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&summary_text(self));
        text
    }
}
