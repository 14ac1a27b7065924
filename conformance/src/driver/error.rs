//! Why an `--sdk` value, the driver it names or a driver transcript cannot be used (the messages
//! name the option), and why a driver session failed (the messages go into scenario evidence).

use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

/// Why an `--sdk` value cannot be parsed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriverSpecError {
    /// `cmd:` with no program.
    #[error("--sdk cmd:PROGRAM needs a program")]
    NoProgram,
    /// None of the known kinds.
    #[error("--sdk '{0}': expected rust, python or cmd:PROGRAM")]
    Unknown(String),
}

/// Why a driver cannot be built, its transcript file opened, a session started
/// ([`DriverFactory::start`](super::DriverFactory::start)) or a command answered
/// ([`DriverSession::call`](super::DriverSession::call)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// A `cmd:` command line that cannot be split into words (an unclosed quote).
    #[error("--sdk cmd:{line}: {source}")]
    CommandLine {
        /// The command line.
        line: String,
        /// Why it cannot be split.
        source: shell_words::ParseError,
    },
    /// A `cmd:` command line with no words.
    #[error("--sdk cmd:PROGRAM needs a program")]
    NoProgram,
    /// `--sdk python` in a build without the `python` feature.
    #[error("--sdk python: this latchgate-conformance was built without its `python` feature")]
    NoPythonFeature,
    /// `--python PATH` (or the venv's interpreter) does not exist.
    #[error("--python {}: no such interpreter", .0.display())]
    NoInterpreter(PathBuf),
    /// No venv can be made: the script that makes one is missing, and so is the venv.
    #[error("no Python interpreter with latchgate {0}: pass --python PATH (a venv with `pip install latchgate=={0}`)")]
    NoVenv(String),
    /// The venv script cannot be run.
    #[error("running {}: {source}", script.display())]
    VenvScript {
        /// `scripts/python-env.sh`.
        script: PathBuf,
        /// Why it cannot run.
        source: std::io::Error,
    },
    /// The venv script ran and failed.
    #[error("{} could not create a venv with latchgate {version} (exit {status}); pass --python PATH", script.display())]
    VenvFailed {
        /// `scripts/python-env.sh`.
        script: PathBuf,
        /// The SDK version asked for.
        version: String,
        /// How the script exited.
        status: std::process::ExitStatus,
    },
    /// The temp dir for the Python driver script cannot be made.
    #[error("temp dir for the python driver: {0}")]
    TempDir(std::io::Error),
    /// The Python driver script cannot be written.
    #[error("writing the python driver: {0}")]
    WriteScript(std::io::Error),
    /// The `--driver-transcript` file's folder cannot be created.
    #[error("--driver-transcript {}: cannot create its folder: {source}", path.display())]
    TranscriptFolder {
        /// The transcript path.
        path: PathBuf,
        /// Why its folder cannot be created.
        source: std::io::Error,
    },
    /// The `--driver-transcript` file cannot be created.
    #[error("--driver-transcript {}: cannot write here: {source}", path.display())]
    TranscriptFile {
        /// The transcript path.
        path: PathBuf,
        /// Why it cannot be created.
        source: std::io::Error,
    },
    /// The task starting a process driver ahead of time panicked or was cancelled.
    #[error("driver start task: {0}")]
    StartTask(tokio::task::JoinError),
    /// A process driver with an empty command line.
    #[error("empty driver command")]
    EmptyCommand,
    /// The driver process cannot be started.
    #[error("cannot start driver '{program}': {source}")]
    Spawn {
        /// The program run.
        program: String,
        /// Why it cannot start.
        source: std::io::Error,
    },
    /// A pipe to the driver process (`stdin` or `stdout`) was not set up.
    #[error("driver {0} unavailable")]
    NoPipe(&'static str),
    /// The driver answered `hello` with something that is not a hello.
    #[error("driver hello is malformed: {0}")]
    MalformedHello(serde_json::Error),
    /// The driver answered `hello` with an error: its `native` text, else its kind.
    #[error("driver refused hello: {0}")]
    HelloRefused(String),
    /// The driver speaks another protocol version than [`PROTOCOL_VERSION`](super::PROTOCOL_VERSION).
    #[error("driver speaks protocol {0}, runner speaks {runner}", runner = super::PROTOCOL_VERSION)]
    ProtocolVersion(u32),
    /// The driver did not answer a command within the per-command timeout; it was killed.
    #[error("driver did not answer `{command}` within {} ms (killed){}", .timeout.as_millis(), stderr_tail(.stderr))]
    Timeout {
        /// The command's `cmd`.
        command: String,
        /// The per-command timeout.
        timeout: Duration,
        /// The driver's last stderr lines (at most 20).
        stderr: Vec<String>,
    },
    /// The driver's pipes failed during a command: it crashed, exited or closed stdout.
    #[error("driver failed during `{command}` ({pipe}; exit status: {}){}", exit_status(.status), stderr_tail(.stderr))]
    Crashed {
        /// The command's `cmd`.
        command: String,
        /// What failed on the pipes.
        pipe: PipeError,
        /// How the process exited; `None` while it still runs.
        status: Option<ExitStatus>,
        /// The driver's last stderr lines (at most 20).
        stderr: Vec<String>,
    },
    /// The driver answered a command with a line that is not a protocol answer.
    #[error("driver answered `{command}` with {answer}{}", stderr_tail(.stderr))]
    BadAnswer {
        /// The command's `cmd`.
        command: String,
        /// What is wrong with the answer line.
        answer: AnswerError,
        /// The driver's last stderr lines (at most 20).
        stderr: Vec<String>,
    },
    /// A command names a client or operator handle the in-process driver never made.
    #[error("unknown {role} handle {handle}")]
    UnknownHandle {
        /// `client` or `operator`.
        role: &'static str,
        /// The handle as the command gave it (JSON).
        handle: String,
    },
    /// `advance_clock` for a client built without `manual_clock`.
    #[error("client has no manual clock")]
    NoManualClock,
    /// A task of the in-process driver (one call of `execute_many`) panicked.
    #[error("task panicked: {0}")]
    TaskPanicked(tokio::task::JoinError),
    /// The in-process driver's hello cannot be written as JSON.
    #[error(transparent)]
    HelloJson(serde_json::Error),
    /// Any other failure of a driver implemented outside this crate, in its own words.
    #[error("{0}")]
    Other(String),
}

/// What failed on a driver's pipes during a command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipeError {
    /// Writing the command to stdin failed.
    #[error("write: {0}")]
    Write(std::io::Error),
    /// Reading the answer from stdout failed.
    #[error("read: {0}")]
    Read(std::io::Error),
    /// Stdout closed before an answer came.
    #[error("stdout closed")]
    Closed,
}

/// Why an answer line is not a protocol answer (`{"id":N,"ok":…}` or `{"id":N,"error":{…}}`).
/// The line is kept whole; messages show its first 200 characters.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// The line is not JSON.
    #[error("a line that is not JSON ({source}): {}", crate::http::cut(.line, 200))]
    NotJson {
        /// The line.
        line: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The answer carries another command's id.
    #[error("an answer for another command (expected id {expected}): {}", crate::http::cut(.line, 200))]
    WrongId {
        /// The id of the command sent.
        expected: u64,
        /// The line.
        line: String,
    },
    /// The `error` object does not have the shape of an error outcome.
    #[error("a malformed error object ({0})")]
    MalformedError(serde_json::Error),
    /// The answer has neither `ok` nor `error`.
    #[error("neither ok nor error: {}", crate::http::cut(.0, 200))]
    NeitherOkNorError(String),
}

/// The stderr lines as failure messages append them: nothing, or a heading and the lines.
fn stderr_tail(lines: &[String]) -> String {
    if lines.is_empty() {
        String::new()
    } else {
        format!("; driver stderr (last lines):\n{}", lines.join("\n"))
    }
}

fn exit_status(status: &Option<ExitStatus>) -> String {
    status.map_or_else(|| "still running".into(), |s| s.to_string())
}
