//! Why an `--sdk` value, the driver it names or a driver transcript cannot be used. The messages
//! name the option.

use std::path::PathBuf;

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

/// Why a driver cannot be built, or its transcript file opened.
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
}
