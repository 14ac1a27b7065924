//! Why a report cannot be opened, written or read. The messages name the option or the file.

use std::path::PathBuf;

/// Why a report destination cannot be opened or written, or a JSON report read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The report path is a folder.
    #[error("{flag} {}: is a folder, expected a file path", path.display())]
    IsFolder {
        /// The option (`--json`, …).
        flag: &'static str,
        /// The path given.
        path: PathBuf,
    },
    /// The report's parent folder cannot be created.
    #[error("{flag} {}: cannot create the folder {}: {source}", path.display(), folder.display())]
    Folder {
        /// The option (`--json`, …).
        flag: &'static str,
        /// The path given.
        path: PathBuf,
        /// The folder that cannot be created.
        folder: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The report file cannot be opened for writing.
    #[error("{flag} {}: cannot write here: {source}", path.display())]
    Open {
        /// The option (`--json`, …).
        flag: &'static str,
        /// The path given.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Writing the report failed (`-` for standard output).
    #[error("{flag} {}: {source}", path.display())]
    Write {
        /// The option (`--json`, …).
        flag: &'static str,
        /// The file, or `-`.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// More than one report is given `-`.
    #[error("only one report can be written to standard output (-)")]
    StdoutTwice,
    /// Two reports are given the same file.
    #[error("two reports are given the same file")]
    SameFile,
    /// `--baseline` without `--html`.
    #[error("--baseline compares in the HTML report: give --html FILE too")]
    BaselineWithoutHtml,
    /// A JSON report file cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A JSON report that is not one (`what` names it).
    #[error("{what}: not a latchgate-conformance JSON report: {source}")]
    NotAReport {
        /// The file (or whatever the text came from).
        what: String,
        /// Why it does not parse.
        source: serde_json::Error,
    },
}
