//! The `explain` and `report` subcommands.

use crate::catalogue::Catalogue;
use crate::report::{html, read_report, Sink};
use clap::Args;
use std::path::PathBuf;

/// `explain ID`.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A scenario id (`dpop.alg.hs256`), an SDK-contract id (`C-DPOP-07`) or a protocol
    /// reference (`"PROTOCOL §5.2"`).
    #[arg(value_name = "ID")]
    id: String,
}

/// `report NEW.json --html OUT [--compare OLD.json]`.
#[derive(Args, Debug)]
pub struct ReportArgs {
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

/// Prints the scenario or requirement; an unknown id is an error with suggestions.
pub fn explain(args: &ExplainArgs) -> Result<i32, String> {
    let text = crate::contract::explain(&Catalogue::builtin(), &args.id)?;
    print!("{text}");
    Ok(crate::cli::EXIT_OK)
}

/// Renders a JSON report (and a baseline) as the HTML page.
pub fn report(args: &ReportArgs) -> Result<i32, String> {
    let new = read_report(&args.report)?;
    let old = args.compare.as_deref().map(read_report).transpose()?;
    let sink = Sink::open("--html", &args.html)?;
    sink.write(&html::render(&new, old.as_ref()))?;
    Ok(crate::cli::EXIT_OK)
}
