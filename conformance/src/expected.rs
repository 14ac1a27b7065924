//! `--expected-failures FILE`: scenarios known to fail, each with a mandatory comment.
//!
//! Format, one entry per line: `<id or glob>  # <why it is expected to fail>`. Blank lines and lines
//! starting with `#` are ignored. An entry without a comment is a usage error (exit 2).

use globset::{Glob, GlobMatcher};
use std::path::PathBuf;

/// Why an expected-failures list cannot be used; a line error names the source and line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExpectedFailuresError {
    /// The file cannot be read.
    #[error("--expected-failures {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why it cannot be read.
        source: std::io::Error,
    },
    /// An entry has no `# comment`.
    #[error("{source_name}:{line}: '{text}' has no comment; write '<scenario id>  # <why it is expected to fail>'")]
    NoComment {
        /// The file (or what the text came from).
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
    /// An entry holds more than one id or glob.
    #[error("{source_name}:{line}: one scenario id or glob per line, got '{pattern}'")]
    NotOnePattern {
        /// The file (or what the text came from).
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// What was written before the comment.
        pattern: String,
    },
    /// An entry's glob does not parse.
    #[error("{source_name}:{line}: {reason}")]
    BadGlob {
        /// The file (or what the text came from).
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// The glob parser's message.
        reason: String,
    },
}

/// One entry of the file.
#[derive(Clone, Debug)]
pub struct ExpectedFailure {
    /// The pattern as written.
    pub pattern: String,
    matcher: GlobMatcher,
    /// The mandatory comment.
    pub comment: String,
}

/// The parsed file.
#[derive(Clone, Debug, Default)]
pub struct ExpectedFailures {
    entries: Vec<ExpectedFailure>,
}

impl ExpectedFailures {
    /// Parses the text; errors name the file line.
    pub fn parse(text: &str, source: &str) -> Result<Self, ExpectedFailuresError> {
        let mut entries = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (pattern, comment) = match line.split_once('#') {
                Some((p, c)) if !c.trim().is_empty() && !p.trim().is_empty() => {
                    (p.trim(), c.trim())
                }
                _ => {
                    return Err(ExpectedFailuresError::NoComment {
                        source_name: source.into(),
                        line: n + 1,
                        text: line.into(),
                    })
                }
            };
            if pattern.contains(char::is_whitespace) {
                return Err(ExpectedFailuresError::NotOnePattern {
                    source_name: source.into(),
                    line: n + 1,
                    pattern: pattern.into(),
                });
            }
            let matcher = Glob::new(pattern)
                .map_err(|e| ExpectedFailuresError::BadGlob {
                    source_name: source.into(),
                    line: n + 1,
                    reason: e.to_string(),
                })?
                .compile_matcher();
            entries.push(ExpectedFailure {
                pattern: pattern.into(),
                matcher,
                comment: comment.into(),
            });
        }
        Ok(ExpectedFailures { entries })
    }

    /// Reads and parses a file.
    pub fn load(path: &std::path::Path) -> Result<Self, ExpectedFailuresError> {
        let text = std::fs::read_to_string(path).map_err(|source| ExpectedFailuresError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// The entry covering this scenario id, if any.
    pub fn lookup(&self, id: &str) -> Option<&ExpectedFailure> {
        self.entries.iter().find(|e| e.matcher.is_match(id))
    }

    /// Entries whose pattern matches none of the given ids (probably typos).
    pub fn unmatched<'a>(&'a self, ids: &[&str]) -> Vec<&'a str> {
        self.entries
            .iter()
            .filter(|e| !ids.iter().any(|id| e.matcher.is_match(id)))
            .map(|e| e.pattern.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_without_comment_is_rejected_with_its_line_number() {
        let err = ExpectedFailures::parse("# header\nsdk.appr.statuses\n", "xf.txt").unwrap_err();
        assert!(
            matches!(&err, ExpectedFailuresError::NoComment { line: 2, .. }),
            "a line without a comment is NoComment at line 2: {err:?}"
        );
        assert!(
            err.to_string().contains("xf.txt:2"),
            "error should name line 2: {err}"
        );
    }

    #[test]
    fn glob_entry_matches_scenario_ids() {
        let xf = ExpectedFailures::parse("sdk.err.*  # python maps 404 to Denied\n", "f").unwrap();
        assert_eq!(
            xf.lookup("sdk.err.reason").map(|e| e.comment.as_str()),
            Some("python maps 404 to Denied")
        );
        assert!(xf.lookup("sdk.lease.accessors").is_none());
    }

    #[test]
    fn entry_matching_no_scenario_is_listed_as_unmatched() {
        let xf = ExpectedFailures::parse("sdk.no.such  # typo\n", "f").unwrap();
        assert_eq!(xf.unmatched(&["sdk.lease.accessors"]), vec!["sdk.no.such"]);
    }
}
