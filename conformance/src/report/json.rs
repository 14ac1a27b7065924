//! The JSON report (`--json FILE`), described by `fixtures/schemas/report.schema.json`.

use super::RunReport;

/// Pretty JSON of the report.
pub fn to_json(report: &RunReport) -> String {
    serde_json::to_string_pretty(report).expect("report serializes")
}
