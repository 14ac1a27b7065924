//! `explain ID`: a scenario or requirement, with typical causes and how to fix it.

use super::CliError;
use crate::catalogue::Catalogue;
use clap::Args;

/// `explain ID`.
#[derive(Args, Debug)]
pub(crate) struct ExplainArgs {
    /// A scenario id (`dpop.alg.hs256`), an SDK-contract id (`C-DPOP-07`) or a protocol
    /// reference (`"PROTOCOL §5.2"`).
    #[arg(value_name = "ID")]
    id: String,
}

/// Prints the scenario or requirement; an unknown id is an error with suggestions.
pub(crate) fn explain(args: &ExplainArgs) -> Result<i32, CliError> {
    let text = crate::contract::explain(&Catalogue::builtin(), &args.id)?;
    print!("{text}");
    Ok(super::EXIT_OK)
}
