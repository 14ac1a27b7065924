//! The JSON report read back (from a live run or a `--json` file) for the HTML page. Lenient:
//! members the page does not need may be missing, so reports of older runner versions load.

use crate::report::ReportError;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A JSON report.
#[derive(Clone, Debug, Deserialize)]
pub struct Doc {
    /// The run header.
    pub run: RunDoc,
    /// Whether every MUST passed.
    #[serde(default)]
    pub conformant: bool,
    /// Wall time.
    #[serde(default)]
    pub duration_ms: u64,
    /// Per scenario.
    pub results: Vec<ResultDoc>,
}

/// The run header.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RunDoc {
    #[serde(default)]
    pub runner_version: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub started_at: String,
    pub sdk: Option<SdkDoc>,
}

/// The SDK under test.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SdkDoc {
    #[serde(default)]
    pub driver: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
}

/// One scenario's result.
#[derive(Clone, Debug, Deserialize)]
pub struct ResultDoc {
    pub id: String,
    pub level: String,
    pub suite: String,
    #[serde(default)]
    pub refs: Vec<String>,
    #[serde(default)]
    pub description: String,
    pub verdict: String,
    #[serde(default)]
    pub duration_ms: u64,
    pub reason: Option<String>,
    pub evidence: Option<EvidenceDoc>,
    pub expected_failure_comment: Option<String>,
}

/// Failure evidence.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EvidenceDoc {
    pub expected: Option<String>,
    pub actual: Option<String>,
    #[serde(default)]
    pub excerpts: Vec<String>,
}

/// The verdicts in display order, with their labels.
pub const VERDICTS: &[(&str, &str)] = &[
    ("fail", "FAIL"),
    ("unexpected_pass", "XPASS"),
    ("expected_fail", "XFAIL"),
    ("skip", "SKIP"),
    ("pass", "PASS"),
];

/// The label of a verdict (`fail` → `FAIL`); unknown verdicts are shown upper-cased.
pub fn label(verdict: &str) -> String {
    VERDICTS
        .iter()
        .find(|(v, _)| *v == verdict)
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| verdict.to_ascii_uppercase())
}

impl Doc {
    /// Parses a JSON report; `what` names it in errors.
    pub fn parse(text: &str, what: &str) -> Result<Doc, ReportError> {
        serde_json::from_str(text).map_err(|source| ReportError::NotAReport {
            what: what.to_string(),
            source,
        })
    }

    /// Verdict counts grouped by a key of each result.
    pub fn tally<K: Ord>(
        &self,
        key: impl Fn(&ResultDoc) -> K,
    ) -> BTreeMap<K, BTreeMap<String, usize>> {
        let mut out: BTreeMap<K, BTreeMap<String, usize>> = BTreeMap::new();
        for r in &self.results {
            *out.entry(key(r))
                .or_default()
                .entry(r.verdict.clone())
                .or_default() += 1;
        }
        out
    }
}

impl ResultDoc {
    /// The family a scenario belongs to: its first id segment (the second in the SDK suite,
    /// whose ids all start with `sdk.`).
    pub fn family(&self) -> String {
        crate::catalogue::family(&self.id).to_string()
    }

    /// True for verdicts a reader must look at.
    pub fn is_failure(&self) -> bool {
        matches!(self.verdict.as_str(), "fail" | "unexpected_pass")
    }
}
