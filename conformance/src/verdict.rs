//! The run's verdict beyond "no MUST scenario failed": a run in which no MUST scenario ran is not
//! a conformant run, and CI may bound the skips (`--max-skips N`) and name scenarios that must run
//! and pass (`--require GLOB`).

use crate::report::{RunReport, Verdict};
use globset::{Glob, GlobMatcher};

/// Conditions a run must meet besides every MUST scenario passing.
#[derive(Debug, Default)]
pub struct Requirements {
    max_skips: Option<usize>,
    require: Vec<(String, GlobMatcher)>,
}

impl Requirements {
    /// `--max-skips` and the `--require` globs (repeatable or comma-separated); a malformed glob
    /// is a usage error naming it.
    pub fn new(max_skips: Option<usize>, require: &[String]) -> Result<Self, String> {
        let require = require
            .iter()
            .flat_map(|p| p.split(','))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                Glob::new(p)
                    .map(|g| (p.to_string(), g.compile_matcher()))
                    .map_err(|e| format!("--require '{p}': {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Requirements { max_skips, require })
    }

    /// A usage error when a `--require` glob matches none of the selected scenario ids (a CI
    /// condition that can never be met, or a typo).
    pub fn check_selection<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Result<(), String> {
        for (pattern, m) in &self.require {
            if !ids.clone().into_iter().any(|id| m.is_match(id)) {
                return Err(format!(
                    "--require '{pattern}' matches no selected scenario (see --only/--skip/--suite)"
                ));
            }
        }
        Ok(())
    }

    /// Every condition the run did not meet, one line each (empty: the run stands on its MUST
    /// verdicts). Includes "no MUST scenario ran".
    pub fn unmet(&self, report: &RunReport) -> Vec<String> {
        let mut unmet = Vec::new();
        if !report.must.ran() {
            unmet.push(format!(
                "no MUST scenario ran ({} skipped): nothing was checked",
                report.must.skip
            ));
        }
        let skips = report.must.skip + report.should.skip;
        if let Some(max) = self.max_skips.filter(|max| skips > *max) {
            unmet.push(format!(
                "{skips} scenarios skipped, more than --max-skips {max}"
            ));
        }
        for (pattern, m) in &self.require {
            for r in report.results.iter().filter(|r| m.is_match(&r.id)) {
                if r.verdict != Verdict::Pass {
                    unmet.push(format!(
                        "--require '{pattern}': {} is {}{}",
                        r.id,
                        r.verdict.label(),
                        r.reason
                            .as_deref()
                            .map(|why| format!(" ({})", crate::http::cut(why, 120)))
                            .unwrap_or_default()
                    ));
                }
            }
        }
        unmet
    }
}

#[cfg(test)]
mod tests;
