//! The report files of one run: opened (and the baseline read) before the first scenario runs,
//! written after the last.

use super::html::{self, Doc};
use super::sink::Sinks;
use super::RunReport;
use std::path::Path;

/// What a run writes at its end.
#[derive(Debug)]
pub struct Outputs {
    sinks: Sinks,
    baseline: Option<Doc>,
}

impl Outputs {
    /// Opens the report paths (creating parent folders) and reads `--baseline`; any problem is
    /// an error before the run.
    pub fn prepare(
        json: Option<&Path>,
        junit: Option<&Path>,
        html: Option<&Path>,
        baseline: Option<&Path>,
    ) -> Result<Outputs, String> {
        if baseline.is_some() && html.is_none() {
            return Err("--baseline compares in the HTML report: give --html FILE too".into());
        }
        let baseline = baseline.map(read_report).transpose()?;
        let sinks = Sinks::open(json, junit, html)?;
        Ok(Outputs { sinks, baseline })
    }

    /// Writes every report.
    pub fn write(self, report: &RunReport) -> Result<(), String> {
        let Sinks { json, junit, html } = self.sinks;
        if let Some(s) = json {
            s.write(&super::to_json(report))?;
        }
        if let Some(s) = junit {
            s.write(&super::to_junit(report))?;
        }
        if let Some(s) = html {
            s.write(&html::to_html(report, self.baseline.as_ref()))?;
        }
        Ok(())
    }
}

/// Reads a JSON report written by `--json`.
pub fn read_report(path: &Path) -> Result<Doc, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Doc::parse(&text, &path.display().to_string())
}
