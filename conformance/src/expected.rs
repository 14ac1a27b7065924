//! `--expected-failures FILE`: scenarios known to fail, each with a mandatory comment.
//!
//! Format, one entry per line: `<id or glob>  # <why it is expected to fail>`. Blank lines and lines
//! starting with `#` are ignored. An entry without a comment is a usage error (exit 2).

use globset::{Glob, GlobMatcher};

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
    pub fn parse(text: &str, source: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (pattern, comment) = match line.split_once('#') {
                Some((p, c)) if !c.trim().is_empty() && !p.trim().is_empty() => (p.trim(), c.trim()),
                _ => {
                    return Err(format!(
                        "{source}:{}: '{line}' has no comment; write '<scenario id>  # <why it is expected to fail>'",
                        n + 1
                    ))
                }
            };
            if pattern.contains(char::is_whitespace) {
                return Err(format!(
                    "{source}:{}: one scenario id or glob per line, got '{pattern}'",
                    n + 1
                ));
            }
            let matcher = Glob::new(pattern)
                .map_err(|e| format!("{source}:{}: {e}", n + 1))?
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
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--expected-failures {}: {e}", path.display()))?;
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
        assert!(err.contains("xf.txt:2"), "error should name line 2: {err}");
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
