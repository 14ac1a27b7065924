//! The command line, one module per command: [`run`], [`list`], [`explain`], [`report`], and
//! `diff` / `record` / `replay` in [`parity`]. Exit codes 0 (every MUST passed), 1 (a MUST
//! failed), 2 (usage or environment error).

mod explain;
mod list;
mod parity;
mod report;
mod run;

use crate::catalogue::{Catalogue, Scenario, Shard, Suite};
use crate::http::Endpoint;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit code: every MUST scenario passed (or is an expected failure), at least one ran, and the
/// `--max-skips` / `--require` conditions hold.
pub const EXIT_OK: i32 = 0;
/// Exit code: a MUST scenario failed, none ran, or a `--max-skips` / `--require` condition failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code: bad arguments or an unusable environment.
pub const EXIT_USAGE: i32 = 2;

/// Conformance runner for LatchGate SDKs and gates.
#[derive(Parser, Debug)]
#[command(name = "latchgate-conformance", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)] // parsed once per process; boxing would only obscure the clap derive
enum Command {
    /// Run scenarios against a target, through an SDK driver.
    Run(run::RunArgs),
    /// Print the catalogue: id, level, suite, requirement refs, needs.
    List(list::ListArgs),
    /// Send the same requests to two gates in lockstep and report normalized differences.
    Diff(parity::DiffArgs),
    /// Record a gate's normalized answers as a corpus (e.g. fixtures/parity/gate-0.2.0).
    Record(parity::RecordArgs),
    /// Replay a recorded corpus against a gate and report differences.
    Replay(parity::ReplayArgs),
    /// Explain a scenario or requirement id: what is checked, the requirement, typical causes,
    /// how to fix.
    Explain(explain::ExplainArgs),
    /// Render a JSON report as the HTML page, optionally compared with an earlier one.
    Report(report::ReportArgs),
}

/// Which suites to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SuiteArg {
    All,
    Gate,
    Sdk,
}

#[derive(Args, Debug)]
pub(crate) struct Filters {
    /// Only scenarios whose id matches this glob (repeatable, or comma-separated).
    #[arg(long = "only", value_name = "GLOB")]
    only: Vec<String>,
    /// Skip scenarios whose id matches this glob (repeatable, or comma-separated).
    #[arg(long = "skip", value_name = "GLOB")]
    skip: Vec<String>,
    /// Run the i-th of n shards (1-based), e.g. 2/4.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Which suites: all, gate (checks the gate), sdk (checks the SDK).
    #[arg(long, value_enum, default_value = "all")]
    suite: SuiteArg,
}

/// Why a command cannot run: bad input or an unusable target, driver or file (exit 2). The
/// message names the problem.
pub(crate) type CliError = Box<dyn std::error::Error + Send + Sync>;

/// Parses arguments and runs; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("latchgate-conformance: cannot start the async runtime: {e}");
            return EXIT_USAGE;
        }
    };
    let result = match cli.command {
        Command::List(args) => list::list(&args),
        Command::Explain(args) => explain::explain(&args),
        Command::Report(args) => report::report(&args),
        Command::Run(args) => rt.block_on(run::run(args)),
        Command::Diff(args) => rt.block_on(parity::diff(args)),
        Command::Record(args) => rt.block_on(parity::record(args)),
        Command::Replay(args) => rt.block_on(parity::replay_cmd(args)),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("latchgate-conformance: {msg}");
            EXIT_USAGE
        }
    }
}

pub(crate) fn selected<'a>(
    catalogue: &'a Catalogue,
    f: &Filters,
) -> Result<Vec<&'a Scenario>, String> {
    let shard = f
        .shard
        .as_deref()
        .map(str::parse::<Shard>)
        .transpose()
        .map_err(|e| e.to_string())?;
    let suites: &[Suite] = match f.suite {
        SuiteArg::All => &[],
        SuiteArg::Gate => &[Suite::Gate],
        SuiteArg::Sdk => &[Suite::Sdk],
    };
    crate::run::select(catalogue, suites, &f.only, &f.skip, shard).map_err(|e| e.to_string())
}

pub(crate) fn endpoint_arg(flag: &str, v: &str) -> Result<Endpoint, String> {
    if let Some(p) = v.strip_prefix("unix:") {
        return Ok(Endpoint::Unix(p.into()));
    }
    let u = url::Url::parse(v).map_err(|e| format!("{flag} {v}: {e}"))?;
    if u.scheme() != "http" || u.host().is_none() {
        return Err(format!(
            "{flag} {v}: expected http://HOST:PORT or unix:PATH"
        ));
    }
    Ok(Endpoint::Tcp(v.trim_end_matches('/').to_string()))
}
