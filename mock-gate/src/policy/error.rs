//! Why policy data, a policy directory or a compiled policy cannot be used. The messages name
//! the file and line where there is one (they go to `--policy-dir` load errors and admin reloads).

use std::path::PathBuf;

/// Why a policy data document cannot be read ([`PolicyData::from_json`](super::PolicyData::from_json),
/// [`PolicyData::from_value`](super::PolicyData::from_value)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyDataError {
    /// The text is not JSON; the message gives its line and column.
    #[error("invalid policy data: {0}")]
    Json(serde_json::Error),
    /// The document is JSON but not an object.
    #[error("invalid policy data: the document must be a JSON object, not {0}")]
    NotAnObject(&'static str),
}

/// Why a policy cannot be loaded or compiled ([`PolicyEngine::new`](super::PolicyEngine::new),
/// [`PolicyEngine::set_data`](super::PolicyEngine::set_data), a `--policy-dir`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A Rego module does not parse: `FILE:LINE:COL: MESSAGE` and the source excerpt.
    #[error("{0}")]
    Rego(String),
    /// The data document cannot be written as JSON for the engine.
    #[error("policy data: {0}")]
    DataJson(serde_json::Error),
    /// The engine cannot read the data document.
    #[error("policy data failed to parse: {0}")]
    DataParse(String),
    /// The engine refuses the data document.
    #[error("policy data failed to load: {0}")]
    DataLoad(String),
    /// The decision cannot be evaluated on an empty input with this data (a rule conflict, a
    /// runtime error): `FILE:LINE:COL: MESSAGE` where regorus gives one.
    #[error("policy failed to evaluate during warmup: {0}")]
    Warmup(String),
    /// A policy directory without any `.rego` file.
    #[error("policy dir {} holds no .rego file", .0.display())]
    NoRego(PathBuf),
    /// A policy directory (or a folder under it) cannot be listed.
    #[error("cannot read policy dir {}: {source}", path.display())]
    ReadDir {
        /// The folder.
        path: PathBuf,
        /// Why it cannot be listed.
        source: std::io::Error,
    },
    /// A `.rego` file cannot be read.
    #[error("cannot read policy file {}: {source}", path.display())]
    ReadModule {
        /// The file.
        path: PathBuf,
        /// Why it cannot be read.
        source: std::io::Error,
    },
    /// A policy data file cannot be read.
    #[error("cannot read policy data {}: {source}", path.display())]
    ReadData {
        /// The file.
        path: PathBuf,
        /// Why it cannot be read.
        source: std::io::Error,
    },
    /// A policy data file holds no valid document.
    #[error("{}: {source}", path.display())]
    Data {
        /// The file.
        path: PathBuf,
        /// What is wrong with its document.
        source: PolicyDataError,
    },
}
