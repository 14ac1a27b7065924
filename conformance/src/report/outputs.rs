//! The report files of one run: opened (and the baseline read) before the first scenario runs,
//! written after the last.

use super::html::{self, Doc};
use super::sink::Sinks;
use super::{ReportError, RunReport};
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
    ) -> Result<Outputs, ReportError> {
        if baseline.is_some() && html.is_none() {
            return Err(ReportError::BaselineWithoutHtml);
        }
        let baseline = baseline.map(read_report).transpose()?;
        let sinks = Sinks::open(json, junit, html)?;
        Ok(Outputs { sinks, baseline })
    }

    /// Writes every report.
    pub fn write(self, report: &RunReport) -> Result<(), ReportError> {
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
pub fn read_report(path: &Path) -> Result<Doc, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Doc::parse(&text, &path.display().to_string())
}
