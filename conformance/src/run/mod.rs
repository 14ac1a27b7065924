//! The library entry point: [`Run`], a builder for one conformance run, and the [`Report`] it
//! gives, with [`Report::assert_conformant`] for `cargo test`.
//!
//! ```no_run
//! # async fn demo() {
//! use latchgate_conformance::{Run, Suite};
//! let report = Run::new()
//!     .sdk("cmd:node driver.js")          // rust, python or cmd:PROGRAM (driver protocol)
//!     .target("mock")                     // mock, url:URL, socket:PATH, docker:IMAGE
//!     .suite(Suite::Sdk)
//!     .expected_failure("sdk.url.*", "our SDK ignores LATCHGATE_PUBLIC_BASE_URL (issue 12)")
//!     .execute()
//!     .await
//!     .expect("the run could start");
//! report.assert_conformant();
//! # }
//! ```

mod error;
mod start;

pub use error::RunError;
pub(crate) use start::{admin_endpoint, run_info, select, start_driver, Prepared};

use crate::catalogue::{Catalogue, Scenario, Shard, Suite};
use crate::driver::DriverOptions;
use crate::expected::ExpectedFailures;
use crate::report::{RunReport, Terminal};
use crate::runner::Runner;
use crate::target::{self, RemoteOptions, TargetSpec};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The result of a run (the JSON report's structure).
pub type Report = RunReport;

/// One conformance run: which SDK, which gate, which scenarios, which failures are expected.
/// Defaults: the Rust SDK against the in-process mock, both suites, 4 scenarios at a time.
#[derive(Clone, Debug)]
pub struct Run {
    sdk: String,
    target: String,
    suites: Vec<Suite>,
    only: Vec<String>,
    skip: Vec<String>,
    shard: Option<String>,
    expected: Vec<(String, String)>,
    expected_files: Vec<PathBuf>,
    admin: Option<String>,
    public_base_url: Option<String>,
    control_token: Option<String>,
    operator: Option<(String, String)>,
    python: Option<PathBuf>,
    jobs: usize,
    driver_timeout: Duration,
    progress: bool,
}

impl Default for Run {
    fn default() -> Self {
        Run {
            sdk: "rust".into(),
            target: "mock".into(),
            suites: Vec::new(),
            only: Vec::new(),
            skip: Vec::new(),
            shard: None,
            expected: Vec::new(),
            expected_files: Vec::new(),
            admin: None,
            public_base_url: None,
            control_token: None,
            operator: None,
            python: None,
            jobs: 4,
            driver_timeout: Duration::from_secs(20),
            progress: false,
        }
    }
}

impl Run {
    /// A run with the defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The SDK under test, as `--sdk` takes it: `rust`, `python` or `cmd:PROGRAM ARGS…`.
    pub fn sdk(mut self, spec: impl Into<String>) -> Self {
        self.sdk = spec.into();
        self
    }

    /// The gate, as `--target` takes it: `mock`, `url:URL`, `socket:PATH`, `docker:IMAGE`.
    pub fn target(mut self, spec: impl Into<String>) -> Self {
        self.target = spec.into();
        self
    }

    /// Runs this suite (repeatable; none named = both).
    pub fn suite(mut self, suite: Suite) -> Self {
        if !self.suites.contains(&suite) {
            self.suites.push(suite);
        }
        self
    }

    /// Only scenarios whose id matches this glob (repeatable), as `--only`.
    pub fn only(mut self, glob: impl Into<String>) -> Self {
        self.only.push(glob.into());
        self
    }

    /// Leaves out scenarios whose id matches this glob (repeatable), as `--skip`.
    pub fn skip(mut self, glob: impl Into<String>) -> Self {
        self.skip.push(glob.into());
        self
    }

    /// Runs the i-th of n shards, as `--shard I/N`.
    pub fn shard(mut self, shard: impl Into<String>) -> Self {
        self.shard = Some(shard.into());
        self
    }

    /// A scenario (id or glob) known to fail, with the mandatory reason.
    pub fn expected_failure(mut self, pattern: impl Into<String>, why: impl Into<String>) -> Self {
        self.expected.push((pattern.into(), why.into()));
        self
    }

    /// An expected-failures file (`<id or glob>  # <why>` per line), as `--expected-failures`.
    pub fn expected_failures_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.expected_files.push(path.into());
        self
    }

    /// The admin listener of a `url:`/`socket:` target: `http://HOST:PORT` or `unix:PATH`.
    pub fn admin(mut self, endpoint: impl Into<String>) -> Self {
        self.admin = Some(endpoint.into());
        self
    }

    /// The `/_mock/` control token of a remote `latchgate-mock` (its ready line's `control_token`).
    pub fn control_token(mut self, token: impl Into<String>) -> Self {
        self.control_token = Some(token.into());
        self
    }

    /// The gate's `public_base_url` (the htu base) of a remote target.
    pub fn public_base_url(mut self, url: impl Into<String>) -> Self {
        self.public_base_url = Some(url.into());
        self
    }

    /// Operator credentials of a remote target: api key and P-256 key (PEM text or PEM file).
    pub fn operator(mut self, api_key: impl Into<String>, key_pem: impl Into<String>) -> Self {
        self.operator = Some((api_key.into(), key_pem.into()));
        self
    }

    /// Interpreter of a venv holding the PyPI `latchgate` package (the `python` SDK).
    pub fn python(mut self, interpreter: impl Into<PathBuf>) -> Self {
        self.python = Some(interpreter.into());
        self
    }

    /// Scenarios run at once (at least 1).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// Per-command timeout of a driver process.
    pub fn driver_timeout(mut self, timeout: Duration) -> Self {
        self.driver_timeout = timeout;
        self
    }

    /// Prints one line per scenario on stderr as it finishes (off by default).
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }

    /// The selected scenarios, catalogue order; starts nothing.
    pub fn scenarios(&self) -> Result<Vec<Scenario>, RunError> {
        let catalogue = Catalogue::builtin();
        let shard = self.shard.as_deref().map(str::parse::<Shard>).transpose()?;
        let picked = select(&catalogue, &self.suites, &self.only, &self.skip, shard)?;
        if picked.is_empty() {
            return Err(RunError::EmptySelection);
        }
        Ok(picked.into_iter().cloned().collect())
    }

    /// Starts the target and the driver (one `hello`) and reads the expected failures.
    pub(crate) async fn prepare(&self, scenarios: &[Scenario]) -> Result<Prepared, RunError> {
        let mut expected_text = String::new();
        for path in &self.expected_files {
            let text =
                std::fs::read_to_string(path).map_err(|source| RunError::ExpectedFailuresFile {
                    path: path.clone(),
                    source,
                })?;
            expected_text.push_str(&text);
            expected_text.push('\n');
        }
        for (pattern, why) in &self.expected {
            expected_text.push_str(&format!("{pattern}  # {why}\n"));
        }
        let expected = ExpectedFailures::parse(&expected_text, "expected failures")?;
        let spec = TargetSpec::parse(&self.target)?;
        let opts = RemoteOptions {
            admin: self
                .admin
                .as_deref()
                .map(|a| admin_endpoint("admin", a))
                .transpose()?,
            public_base: self.public_base_url.clone(),
            operator: self.operator.clone(),
            control_token: self.control_token.clone(),
            fs_root: None,
        };
        let provider = target::provider(&spec, &opts)?;
        let driver = if scenarios.iter().any(|s| s.suite == Suite::Sdk) {
            let dopts = DriverOptions {
                python: self.python.clone(),
                python_sdk_version: "0.2.0".into(),
                command_timeout: self.driver_timeout,
            };
            Some(start_driver(&self.sdk, &dopts, None).await?)
        } else {
            None
        };
        let info = run_info(provider.describe(), driver.as_ref(), self.shard.clone());
        let runner = Runner {
            target: provider,
            driver,
            expected,
            jobs: self.jobs,
            scenario_timeout: Duration::from_secs(60),
        };
        Ok(Prepared { runner, info })
    }

    /// Runs the selected scenarios. `Err` only when the run cannot start; failing scenarios are
    /// in the report.
    pub async fn execute(&self) -> Result<Report, RunError> {
        let scenarios = self.scenarios()?;
        let prepared = self.prepare(&scenarios).await?;
        let refs: Vec<&Scenario> = scenarios.iter().collect();
        let mut term = if self.progress {
            Terminal::new(refs.len(), false)
        } else {
            Terminal::quiet(refs.len())
        };
        let start = Instant::now();
        let results = prepared.runner.run(&refs, &mut term).await;
        Ok(RunReport::new(
            prepared.info,
            results,
            start.elapsed().as_millis() as u64,
        ))
    }

    /// [`Run::execute`] on a runtime of its own, for plain `#[test]` functions (not from inside
    /// an async runtime).
    pub fn execute_blocking(&self) -> Result<Report, RunError> {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(RunError::Runtime)?
            .block_on(self.execute())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenarios_follow_suite_and_globs() {
        let picked = Run::new()
            .suite(Suite::Gate)
            .only("dpop.typ.*")
            .scenarios()
            .expect("a valid selection");
        assert!(!picked.is_empty(), "dpop.typ.* selects gate scenarios");
        for s in &picked {
            assert!(
                s.suite == Suite::Gate && s.id.starts_with("dpop.typ."),
                "{} is outside the selection",
                s.id
            );
        }
    }

    #[test]
    fn an_empty_selection_is_an_error_naming_it() {
        let err = Run::new().only("no.such.scenario").scenarios().unwrap_err();
        assert!(
            matches!(err, RunError::EmptySelection),
            "an empty selection gives EmptySelection, got {err:?}"
        );
        assert_eq!(err.to_string(), "no scenario matches the selection");
    }

    #[test]
    fn a_bad_admin_endpoint_is_refused_with_the_value() {
        let err = admin_endpoint("--admin", "ftp://x").unwrap_err();
        assert!(err.to_string().contains("ftp://x"), "{err}");
    }
}
