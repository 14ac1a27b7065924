//! The comparison of two reports (e.g. an SDK's previous release against this one): which
//! scenarios were fixed, which regressed, which appeared or disappeared.

use super::doc::{Doc, ResultDoc};
use std::collections::BTreeMap;

/// How a scenario's verdict moved between the baseline and this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Was passing (or not failing), now fails.
    Regressed,
    /// Was failing, now passes.
    Fixed,
    /// Another verdict change (e.g. pass → skip).
    Changed,
    /// Only in this run.
    New,
    /// Only in the baseline.
    Removed,
}

impl Change {
    /// Lower-case name, used as a CSS class and label.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Regressed => "regressed",
            Change::Fixed => "fixed",
            Change::Changed => "changed",
            Change::New => "new",
            Change::Removed => "removed",
        }
    }
}

/// One scenario whose verdict differs.
#[derive(Clone, Debug)]
pub struct Diff {
    /// Scenario id.
    pub id: String,
    /// MUST or SHOULD (from the newer report when present).
    pub level: String,
    /// Verdict in the baseline, if it ran there.
    pub before: Option<String>,
    /// Verdict now, if it ran.
    pub after: Option<String>,
    /// The kind of move.
    pub change: Change,
}

fn failing(v: &str) -> bool {
    matches!(v, "fail" | "unexpected_pass")
}

/// The scenarios whose verdict differs between `old` and `new`, regressions first.
pub fn diff(old: &Doc, new: &Doc) -> Vec<Diff> {
    let before: BTreeMap<&str, &ResultDoc> =
        old.results.iter().map(|r| (r.id.as_str(), r)).collect();
    let after: BTreeMap<&str, &ResultDoc> =
        new.results.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut ids: Vec<&str> = before.keys().chain(after.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out: Vec<Diff> = ids
        .into_iter()
        .filter_map(|id| {
            let (b, a) = (before.get(id), after.get(id));
            let change = match (b, a) {
                (None, Some(_)) => Change::New,
                (Some(_), None) => Change::Removed,
                (Some(b), Some(a)) if b.verdict == a.verdict => return None,
                (Some(b), Some(a)) if failing(&a.verdict) && !failing(&b.verdict) => {
                    Change::Regressed
                }
                (Some(b), Some(a)) if failing(&b.verdict) && a.verdict == "pass" => Change::Fixed,
                _ => Change::Changed,
            };
            Some(Diff {
                id: id.to_string(),
                level: a.or(b).map(|r| r.level.clone()).unwrap_or_default(),
                before: b.map(|r| r.verdict.clone()),
                after: a.map(|r| r.verdict.clone()),
                change,
            })
        })
        .collect();
    out.sort_by(|x, y| (x.change, &x.id).cmp(&(y.change, &y.id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(results: &[(&str, &str)]) -> Doc {
        let results: Vec<_> = results
            .iter()
            .map(|(id, v)| serde_json::json!({"id": id, "level": "MUST", "suite": "sdk", "verdict": v}))
            .collect();
        serde_json::from_value(serde_json::json!({"run": {}, "results": results})).unwrap()
    }

    #[test]
    fn moves_are_classified_with_regressions_first() {
        let old = doc(&[
            ("a", "fail"),
            ("b", "pass"),
            ("c", "pass"),
            ("d", "skip"),
            ("gone", "pass"),
        ]);
        let new = doc(&[
            ("a", "pass"),
            ("b", "fail"),
            ("c", "pass"),
            ("d", "pass"),
            ("fresh", "fail"),
        ]);
        let got: Vec<(String, Change)> = diff(&old, &new)
            .into_iter()
            .map(|d| (d.id, d.change))
            .collect();
        assert_eq!(
            got,
            vec![
                ("b".into(), Change::Regressed),
                ("a".into(), Change::Fixed),
                ("d".into(), Change::Changed),
                ("fresh".into(), Change::New),
                ("gone".into(), Change::Removed),
            ],
            "unchanged 'c' must not appear"
        );
    }
}
