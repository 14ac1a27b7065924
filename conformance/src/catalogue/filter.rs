//! Selecting scenarios: `--only` / `--skip` globs over ids, `--suite`, and `--shard i/n`.

use super::Scenario;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::fmt;

/// A usage problem in the selection flags (exit code 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SelectionError {
    /// `--shard` is not `i/n` with `1 <= i <= n`.
    #[error("--shard '{0}': expected i/n with 1 <= i <= n, e.g. 2/4")]
    Shard(String),
    /// A glob of `--only` / `--skip` does not parse.
    #[error("{flag} '{glob}': {reason}")]
    Glob {
        /// `--only` or `--skip`.
        flag: String,
        /// The glob.
        glob: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The globs of `--only` / `--skip` cannot be combined.
    #[error("{flag}: {reason}")]
    GlobSet {
        /// `--only` or `--skip`.
        flag: String,
        /// What is wrong.
        reason: String,
    },
}

/// `--shard i/n`: keep the scenarios whose position modulo `n` equals `i - 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index of this shard.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = SelectionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SelectionError::Shard(s.to_string());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Which scenarios of the catalogue take part in a run.
#[derive(Debug, Default)]
pub struct Selection {
    only: Option<GlobSet>,
    skip: Option<GlobSet>,
    shard: Option<Shard>,
}

impl Selection {
    /// Builds a selection; a malformed glob is a usage error naming the glob.
    pub fn new(
        only: &[String],
        skip: &[String],
        shard: Option<Shard>,
    ) -> Result<Self, SelectionError> {
        Ok(Selection {
            only: globs("--only", only)?,
            skip: globs("--skip", skip)?,
            shard,
        })
    }

    /// True when the id passes `--only` and `--skip` (the shard is applied by [`Selection::apply`]).
    pub fn matches(&self, id: &str) -> bool {
        self.only.as_ref().is_none_or(|g| g.is_match(id))
            && !self.skip.as_ref().is_some_and(|g| g.is_match(id))
    }

    /// The selected scenarios, catalogue order kept; sharding counts positions after filtering so
    /// that the shards of one filtered run partition it exactly.
    pub fn apply<'a>(&self, scenarios: &'a [Scenario]) -> Vec<&'a Scenario> {
        scenarios
            .iter()
            .filter(|s| self.matches(&s.id))
            .enumerate()
            .filter(|(i, _)| self.shard.is_none_or(|sh| i % sh.count == sh.index - 1))
            .map(|(_, s)| s)
            .collect()
    }
}

fn globs(flag: &str, patterns: &[String]) -> Result<Option<GlobSet>, SelectionError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns
        .iter()
        .flat_map(|p| p.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let glob = Glob::new(p).map_err(|e| SelectionError::Glob {
            flag: flag.to_string(),
            glob: p.to_string(),
            reason: e.to_string(),
        })?;
        b.add(glob);
    }
    b.build().map(Some).map_err(|e| SelectionError::GlobSet {
        flag: flag.to_string(),
        reason: e.to_string(),
    })
}
