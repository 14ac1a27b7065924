//! `report`: a saved JSON report rendered as the HTML page, optionally compared with an earlier one.

use super::CliError;
use super::EXIT_OK;
use crate::report::{html, read_report, Sink};
use clap::Args;
use std::path::PathBuf;

/// `report NEW.json --html OUT [--compare OLD.json]`.
#[derive(Args, Debug)]
pub(crate) struct ReportArgs {
    /// A JSON report written by `run --json`.
    #[arg(value_name = "REPORT.json")]
    report: PathBuf,
    /// Write the HTML page here (`-` = standard output).
    #[arg(long, value_name = "FILE")]
    html: PathBuf,
    /// An earlier JSON report (e.g. of the SDK's previous release) to compare with.
    #[arg(long, value_name = "OLD.json")]
    compare: Option<PathBuf>,
}

/// Renders a JSON report (and a baseline) as the HTML page.
pub(crate) fn report(args: &ReportArgs) -> Result<i32, CliError> {
    let new = read_report(&args.report)?;
    let old = args.compare.as_deref().map(read_report).transpose()?;
    let sink = Sink::open("--html", &args.html)?;
    sink.write(&html::render(&new, old.as_ref()))?;
    Ok(EXIT_OK)
}
