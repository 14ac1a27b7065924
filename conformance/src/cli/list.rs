//! `list`: the selected scenarios, one line each or as JSON.

use super::CliError;
use super::{selected, Filters, EXIT_OK};
use crate::catalogue::Catalogue;
use clap::Args;

#[derive(Args, Debug)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    filters: Filters,
    /// Print the catalogue as JSON.
    #[arg(long = "format-json")]
    format_json: bool,
}

pub(crate) fn list(args: &ListArgs) -> Result<i32, CliError> {
    let catalogue = Catalogue::builtin();
    let scenarios = selected(&catalogue, &args.filters)?;
    if args.format_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&scenarios).map_err(|e| e.to_string())?
        );
        return Ok(EXIT_OK);
    }
    for s in &scenarios {
        let needs = if s.needs.is_empty() {
            "-".to_string()
        } else {
            s.needs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        println!(
            "{:<48} {:<6} {:<4} {:<40} {}",
            s.id,
            s.level.as_str(),
            s.suite.as_str(),
            s.refs.join(", "),
            needs
        );
    }
    eprintln!("{} scenarios", scenarios.len());
    Ok(EXIT_OK)
}
