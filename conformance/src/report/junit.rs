//! JUnit XML (`--junit FILE`): one testsuite per suite, one testcase per scenario. SHOULD
//! failures are reported as failures with type `SHOULD` so CI dashboards show them; expected
//! failures and skips are `skipped` with their comment or reason.

use super::terminal::failure_text;
use super::{RunReport, Verdict};
use crate::catalogue::Suite;

/// The report as JUnit XML.
pub fn to_junit(report: &RunReport) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"latchgate-conformance\" time=\"{:.3}\">\n",
        report.duration_ms as f64 / 1000.0
    ));
    for suite in [Suite::Gate, Suite::Sdk] {
        let cases: Vec<_> = report.results.iter().filter(|r| r.suite == suite).collect();
        if cases.is_empty() {
            continue;
        }
        let failures = cases
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::UnexpectedPass))
            .count();
        let skipped = cases
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Skip | Verdict::ExpectedFail))
            .count();
        let time: u64 = cases.iter().map(|r| r.duration_ms).sum();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{:.3}\">\n",
            suite.as_str(),
            cases.len(),
            time as f64 / 1000.0
        ));
        for r in cases {
            out.push_str(&format!(
                "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3}\">",
                suite.as_str(),
                r.level.as_str(),
                esc(&r.id),
                r.duration_ms as f64 / 1000.0
            ));
            match r.verdict {
                Verdict::Pass => {}
                Verdict::Fail | Verdict::UnexpectedPass => out.push_str(&format!(
                    "\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    ",
                    r.level.as_str(),
                    esc(r.reason.as_deref().unwrap_or("expected failure passed")),
                    esc(&failure_text(r))
                )),
                Verdict::Skip => out.push_str(&format!(
                    "\n      <skipped message=\"{}\"/>\n    ",
                    esc(r.reason.as_deref().unwrap_or(""))
                )),
                Verdict::ExpectedFail => out.push_str(&format!(
                    "\n      <skipped message=\"expected failure: {}\"/>\n    ",
                    esc(r.expected_failure_comment.as_deref().unwrap_or(""))
                )),
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn esc(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}
