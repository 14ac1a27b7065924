//! JUnit XML (`--junit FILE`) through `quick-junit`: one testsuite per suite (with the run's
//! start time, target and SDK as properties), one testcase per scenario (`classname` =
//! `suite.LEVEL`). Failures carry the evidence in the failure body and in `system-out`. SHOULD
//! failures are failures of type `SHOULD` (MUST ones of type `MUST`), and every testcase has a
//! `level` property, so CI can tell them apart; expected failures and skips are `skipped` with
//! their comment or reason.

use super::terminal::failure_text;
use super::{RunReport, ScenarioResult, Verdict};
use crate::catalogue::Suite;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// The report as JUnit XML.
pub fn to_junit(report: &RunReport) -> String {
    let started = chrono::DateTime::parse_from_rfc3339(&report.run.started_at).ok();
    let mut out = Report::new("latchgate-conformance");
    out.set_time(Duration::from_millis(report.duration_ms));
    if let Some(t) = started {
        out.set_timestamp(t);
    }
    for suite in [Suite::Gate, Suite::Sdk] {
        let cases: Vec<&ScenarioResult> =
            report.results.iter().filter(|r| r.suite == suite).collect();
        if cases.is_empty() {
            continue;
        }
        let mut ts = TestSuite::new(suite.as_str());
        if let Some(t) = started {
            ts.set_timestamp(t);
        }
        ts.set_time(Duration::from_millis(
            cases.iter().map(|r| r.duration_ms).sum(),
        ));
        ts.add_property(Property::new("target", report.run.target.as_str()));
        if let Some(sdk) = &report.run.sdk {
            ts.add_property(Property::new(
                "sdk",
                format!("{} {} ({})", sdk.name, sdk.version, sdk.driver),
            ));
        }
        ts.add_test_cases(cases.into_iter().map(test_case));
        out.add_test_suite(ts);
    }
    out.to_string().expect("a JUnit report serializes")
}

fn test_case(r: &ScenarioResult) -> TestCase {
    let status = match r.verdict {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::Fail | Verdict::UnexpectedPass => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let why = r
                .reason
                .as_deref()
                .unwrap_or("expected failure passed: remove its expected-failures entry");
            s.set_message(format!("[{}] {why}", r.level.as_str()));
            s.set_type(r.level.as_str());
            s.set_description(failure_text(r));
            s
        }
        Verdict::Skip => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(r.reason.clone().unwrap_or_default());
            s
        }
        Verdict::ExpectedFail => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!(
                "expected failure: {}",
                r.expected_failure_comment.as_deref().unwrap_or("")
            ));
            s.set_description(failure_text(r));
            s
        }
    };
    let mut case = TestCase::new(r.id.as_str(), status);
    case.set_classname(format!("{}.{}", r.suite.as_str(), r.level.as_str()));
    case.set_time(Duration::from_millis(r.duration_ms));
    case.properties
        .push(Property::new("level", r.level.as_str()));
    case.properties
        .push(Property::new("refs", r.refs.join(", ")));
    if matches!(
        r.verdict,
        Verdict::Fail | Verdict::UnexpectedPass | Verdict::ExpectedFail
    ) {
        case.set_system_out(failure_text(r));
    }
    case
}
