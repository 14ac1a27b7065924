//! `run`: scenarios against a target, through an SDK driver, with the live view and the reports.

use super::CliError;
use super::{selected, Filters, EXIT_FAILED, EXIT_OK};
use crate::catalogue::{Catalogue, Scenario, Suite};
use crate::driver::{DriverFactory, DriverOptions, Hello, Transcript};
use crate::expected::ExpectedFailures;
use crate::http::Endpoint;
use crate::report::{self, ColorChoice, Outputs, RunInfo, RunReport, Terminal};
use crate::runner::Runner;
#[cfg(feature = "docker")]
use crate::target::docker::{self, DockerOptions, DockerTarget};
use crate::target::{self, RemoteOptions, TargetProvider, TargetSpec};
use crate::verdict::Requirements;
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    /// SDK under test: rust, python, cmd:PROGRAM.
    #[arg(long, default_value = "rust")]
    sdk: String,
    /// Gate: mock, url:URL, socket:PATH, docker:IMAGE.
    #[arg(long, default_value = "mock")]
    target: String,
    /// Admin listener of a url:/socket: target (http://HOST:PORT or unix:PATH).
    #[arg(long)]
    admin: Option<String>,
    /// Admin Unix socket of a socket: target.
    #[arg(long = "admin-socket")]
    admin_socket: Option<PathBuf>,
    /// The gate's public_base_url (htu base); default: the target URL, or http://localhost:3000 on a socket.
    #[arg(long = "public-base-url")]
    public_base_url: Option<String>,
    /// Operator api key.
    #[arg(long = "operator-token")]
    operator_token: Option<String>,
    /// Operator P-256 private key: a PEM file (or PEM text).
    #[arg(long = "operator-key")]
    operator_key: Option<String>,
    /// Token of the mock's /_mock/ control API (url:/socket: targets; docker: passes it to the
    /// container, else reads it from the ready line).
    #[arg(long = "control-token")]
    control_token: Option<String>,
    /// Interpreter of a venv with the PyPI latchgate package (python driver).
    #[arg(long)]
    python: Option<PathBuf>,
    /// PyPI latchgate version for the venv the runner creates (python driver).
    #[arg(long = "python-sdk-version", default_value = "0.2.0")]
    python_sdk_version: String,
    #[command(flatten)]
    filters: Filters,
    /// Known failures: one `<id or glob>  # <comment>` per line; the comment is mandatory.
    #[arg(long = "expected-failures", value_name = "FILE")]
    expected_failures: Option<PathBuf>,
    /// Write the JSON report here (`-` = standard output; the live view is on stderr).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write a self-contained HTML report here.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// An earlier JSON report to compare with in the HTML report.
    #[arg(long, value_name = "OLD.json")]
    baseline: Option<PathBuf>,
    /// Record every driver exchange (both directions, JSON lines) here.
    #[arg(long = "driver-transcript", value_name = "FILE")]
    driver_transcript: Option<PathBuf>,
    /// Colours in the live view: auto (a terminal, unless NO_COLOR; CLICOLOR_FORCE forces), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Print only failing scenarios and the summary.
    #[arg(long, short)]
    quiet: bool,
    /// Scenarios run at once.
    #[arg(long, default_value_t = 4)]
    jobs: usize,
    /// Seconds one scenario may take; past it, it fails alone as timed out and the run goes on.
    #[arg(
        long = "scenario-timeout",
        value_name = "SECS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    scenario_timeout: u64,
    /// Per-command driver timeout in milliseconds.
    #[arg(long = "driver-timeout-ms", default_value_t = 20_000)]
    driver_timeout_ms: u64,
    /// docker: target: fail (exit 2) instead of skipping when no Docker engine is reachable
    /// (also env LATCHGATE_REQUIRE_DOCKER=1).
    #[arg(long = "require-docker")]
    require_docker: bool,
    /// docker: target: an env var for the container, KEY=VALUE (repeatable).
    #[arg(long = "docker-env", value_name = "KEY=VALUE")]
    docker_env: Vec<String>,
    /// docker: target: echo the container's log lines to stderr as they come.
    #[arg(long = "docker-logs")]
    docker_logs: bool,
    /// docker: target: seconds the container may take to become ready.
    #[arg(
        long = "docker-startup-timeout",
        value_name = "SECS",
        default_value_t = 60
    )]
    docker_startup_timeout: u64,
    /// Show expected-failure details too.
    #[arg(long, short)]
    verbose: bool,
    /// Fail the run (exit 1) when more than N scenarios are skipped.
    #[arg(long = "max-skips", value_name = "N")]
    max_skips: Option<usize>,
    /// Scenarios matching this glob must run and pass (repeatable, or comma-separated); a glob
    /// matching no selected scenario is a usage error.
    #[arg(long = "require", value_name = "GLOB")]
    require: Vec<String>,
}

pub(crate) async fn run(args: RunArgs) -> Result<i32, CliError> {
    let catalogue = Catalogue::builtin();
    let scenarios = selected(&catalogue, &args.filters)?;
    if scenarios.is_empty() {
        return Err("no scenario matches the selection (--only/--skip/--shard/--suite)".into());
    }
    let requirements = Requirements::new(args.max_skips, &args.require)?;
    requirements.check_selection(scenarios.iter().map(|s| s.id.as_str()))?;
    let outputs = Outputs::prepare(
        args.json.as_deref(),
        args.junit.as_deref(),
        args.html.as_deref(),
        args.baseline.as_deref(),
    )?;
    let transcript = args
        .driver_transcript
        .as_deref()
        .map(Transcript::create)
        .transpose()?;
    let expected = expected_failures(&args, &catalogue)?;
    let spec = TargetSpec::parse(&args.target)?;
    let opts = remote_options(&args, &spec)?;
    #[cfg(feature = "docker")]
    let (provider, docker, docker_skip) = match &spec {
        TargetSpec::Docker(image) => docker_target(image, &opts, &args).await?,
        _ => (target::provider(&spec, &opts)?, None, None),
    };
    #[cfg(not(feature = "docker"))]
    let (provider, docker_skip) = (target::provider(&spec, &opts)?, None::<String>);
    let driver = start_driver(&args, &scenarios, transcript.as_ref()).await?;
    let run_info = crate::run::run_info(
        provider.describe(),
        driver.as_ref(),
        args.filters.shard.clone(),
    );
    let color = args.color.for_stderr();
    let mut term = Terminal::configured(scenarios.len(), args.verbose, color, args.quiet);
    term.header(&header(&run_info, scenarios.len()));
    let runner = Runner {
        target: provider,
        driver,
        expected,
        jobs: args.jobs.max(1),
        scenario_timeout: Duration::from_secs(args.scenario_timeout),
    };
    let start = Instant::now();
    let results = match &docker_skip {
        Some(reason) => {
            let skipped = crate::runner::skipped(&scenarios, reason);
            skipped.iter().for_each(|r| term.scenario(r));
            skipped
        }
        None => runner.run(&scenarios, &mut term).await,
    };
    let mut report = RunReport::new(run_info, results, start.elapsed().as_millis() as u64);
    eprintln!(
        "{}",
        report::paint_summary(&report::summary_text(&report), color)
    );
    for unmet in requirements.unmet(&report) {
        eprintln!("latchgate-conformance: FAILED: {unmet}");
        report.conformant = false;
    }
    let written = outputs.write(&report);
    #[cfg(feature = "docker")]
    if let Some(d) = &docker {
        d.finish(!report.conformant).await;
    }
    written?;
    Ok(if report.conformant {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

/// The first line of the live view.
fn header(run_info: &RunInfo, scenarios: usize) -> String {
    format!(
        "latchgate-conformance {}: {} scenarios, target {}{}",
        run_info.runner_version,
        scenarios,
        run_info.target,
        run_info
            .sdk
            .as_ref()
            .map(|s| format!(", sdk {} {} ({})", s.name, s.version, s.driver))
            .unwrap_or_default()
    )
}

/// `--expected-failures`, with a warning for each entry that matches no scenario.
fn expected_failures(args: &RunArgs, catalogue: &Catalogue) -> Result<ExpectedFailures, String> {
    let expected = match &args.expected_failures {
        Some(p) => ExpectedFailures::load(p).map_err(|e| e.to_string())?,
        None => ExpectedFailures::default(),
    };
    let all_ids: Vec<&str> = catalogue
        .scenarios()
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    for stale in expected.unmatched(&all_ids) {
        eprintln!("warning: --expected-failures entry '{stale}' matches no scenario");
    }
    Ok(expected)
}

/// The admin listener, operator credentials, public base and control token of a remote target.
fn remote_options(args: &RunArgs, spec: &TargetSpec) -> Result<RemoteOptions, String> {
    let admin = match (&args.admin, &args.admin_socket) {
        (Some(_), Some(_)) => return Err("give either --admin or --admin-socket, not both".into()),
        (Some(a), None) => {
            Some(crate::run::admin_endpoint("--admin", a).map_err(|e| e.to_string())?)
        }
        (None, Some(p)) => Some(Endpoint::Unix(p.clone())),
        (None, None) => None,
    };
    let operator = match (&args.operator_token, &args.operator_key) {
        (Some(t), Some(k)) => Some((t.clone(), k.clone())),
        (None, None) => None,
        _ => return Err("--operator-token and --operator-key go together".into()),
    };
    if *spec == TargetSpec::Mock
        && (admin.is_some()
            || operator.is_some()
            || args.public_base_url.is_some()
            || args.control_token.is_some())
    {
        return Err("--admin, --admin-socket, --operator-*, --public-base-url and --control-token apply to url:/socket: targets only".into());
    }
    Ok(RemoteOptions {
        admin,
        public_base: args.public_base_url.clone(),
        operator,
        control_token: args.control_token.clone(),
        fs_root: None,
    })
}

/// The driver, started once for its `hello`, when an SDK scenario is selected.
async fn start_driver(
    args: &RunArgs,
    scenarios: &[&Scenario],
    transcript: Option<&Transcript>,
) -> Result<Option<(Arc<dyn DriverFactory>, Hello)>, String> {
    if !scenarios.iter().any(|s| s.suite == Suite::Sdk) {
        return Ok(None);
    }
    let dopts = DriverOptions {
        python: args.python.clone(),
        python_sdk_version: args.python_sdk_version.clone(),
        command_timeout: Duration::from_millis(args.driver_timeout_ms),
    };
    crate::run::start_driver(&args.sdk, &dopts, transcript)
        .await
        .map(Some)
        .map_err(|e| e.to_string())
}

#[cfg(feature = "docker")]
type DockerParts = (
    Arc<dyn TargetProvider>,
    Option<Arc<DockerTarget>>,
    Option<String>,
);

#[cfg(feature = "docker")]
/// The docker: target, and the skip reason when no engine is reachable (an error when Docker is
/// required by --require-docker or LATCHGATE_REQUIRE_DOCKER=1).
async fn docker_target(
    image: &str,
    opts: &RemoteOptions,
    args: &RunArgs,
) -> Result<DockerParts, CliError> {
    if opts.admin.is_some() {
        return Err(
            "--admin does not apply to docker: targets (the admin port 3001 is mapped)".into(),
        );
    }
    let mut o = DockerOptions::new(image);
    o.public_base = opts.public_base.clone();
    o.operator = opts.operator.clone();
    o.control_token = opts.control_token.clone();
    o.echo_logs = args.docker_logs;
    o.startup_timeout = std::time::Duration::from_secs(args.docker_startup_timeout.max(1));
    for kv in &args.docker_env {
        let (k, v) = kv
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| format!("--docker-env {kv}: expected KEY=VALUE"))?;
        o.env.push((k.to_string(), v.to_string()));
    }
    let target = Arc::new(DockerTarget::new(o)?);
    let skip = match docker::engine_available().await {
        Ok(()) => None,
        Err(why) if args.require_docker || docker::docker_required_by_env() => {
            return Err(format!(
                "--target docker:{image}: {why}; Docker is required here (--require-docker or {}=1)",
                docker::REQUIRE_DOCKER_ENV
            )
            .into())
        }
        Err(why) => {
            eprintln!(
                "\n*** latchgate-conformance: SKIPPING every scenario of --target docker:{image}: {why}. \
                 Start Docker, or pass --require-docker to make this an error. ***\n"
            );
            Some(format!("needs a Docker engine: {why}"))
        }
    };
    Ok((target.clone(), Some(target), skip))
}
