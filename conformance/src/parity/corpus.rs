//! The corpus on disk: `manifest.json` (format version, tool version, gate version, seed,
//! counts, rule names), `suite.jsonl` and `explore.jsonl` (one normalized exchange per line),
//! and `deviations.toml` (reviewed: deliberate deviations tied to a parity-table row, and
//! known open differences, each naming exchanges by id or glob).

use super::exchange::NormExchange;
use super::normalize::{self, RULES};
use globset::Glob;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The corpus format this tool reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// The manifest file.
pub const MANIFEST: &str = "manifest.json";
/// Suite exchanges.
pub const SUITE: &str = "suite.jsonl";
/// Generated exchanges.
pub const EXPLORE: &str = "explore.jsonl";
/// Reviewed deviations.
pub const DEVIATIONS: &str = "deviations.toml";

/// Why a corpus cannot be written, loaded or trusted. The messages name the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CorpusError {
    /// The corpus folder (`record --out`) cannot be created.
    #[error("--out {}: {source}", dir.display())]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A corpus file cannot be written.
    #[error("{}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The manifest cannot be serialized.
    #[error("{0}")]
    Manifest(serde_json::Error),
    /// A corpus file cannot be read.
    #[error("corpus file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line of an exchange file is not a normalized exchange.
    #[error("corrupt corpus file {} line {line}: {source}", path.display())]
    CorruptLine {
        /// The file.
        path: PathBuf,
        /// Its 1-based line number.
        line: usize,
        /// Why it does not parse.
        source: serde_json::Error,
    },
    /// `manifest.json` does not parse.
    #[error("corrupt corpus manifest {}: {source}", path.display())]
    CorruptManifest {
        /// The manifest file.
        path: PathBuf,
        /// Why it does not parse.
        source: serde_json::Error,
    },
    /// The corpus was written in another format version.
    #[error("corpus {} has format version {found}, this tool reads version {FORMAT_VERSION}; re-record it", dir.display())]
    FormatVersion {
        /// The corpus folder.
        dir: PathBuf,
        /// The manifest's format version.
        found: u32,
    },
    /// The corpus was recorded from another gate version than the target's.
    #[error("corpus {} was recorded from gate version {recorded}, the target is version {target}", dir.display())]
    GateVersion {
        /// The corpus folder.
        dir: PathBuf,
        /// The manifest's gate version.
        recorded: String,
        /// The target's.
        target: String,
    },
    /// The exchange files hold other counts than the manifest says.
    #[error("corrupt corpus {}: the manifest counts {manifest_suite} suite and {manifest_explore} explored exchanges, the files hold {suite} and {explore}", dir.display())]
    Counts {
        /// The corpus folder.
        dir: PathBuf,
        /// The manifest's suite count.
        manifest_suite: usize,
        /// The manifest's explored count.
        manifest_explore: usize,
        /// Suite exchanges in the file.
        suite: usize,
        /// Explored exchanges in the file.
        explore: usize,
    },
    /// `deviations.toml` cannot be read.
    #[error("{}: {source}", path.display())]
    DeviationsFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `deviations.toml` is not valid.
    #[error("{}: {source}", path.display())]
    DeviationsToml {
        /// The file.
        path: PathBuf,
        /// Why it does not parse.
        source: toml::de::Error,
    },
    /// An exchange glob in `deviations.toml` is malformed.
    #[error("{}: exchange glob '{glob}': {source}", path.display())]
    DeviationsGlob {
        /// The file.
        path: PathBuf,
        /// The glob.
        glob: String,
        /// Why it is malformed.
        source: globset::Error,
    },
}

/// What a corpus was recorded from and with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`] at recording.
    pub format_version: u32,
    /// `latchgate-conformance`.
    pub tool: String,
    /// The recording tool's version.
    pub tool_version: String,
    /// The gate's version (`GET /v1/admin/status`).
    pub gate_version: String,
    /// Seed of the generated cases.
    pub seed: u64,
    /// Generated cases recorded (0..explore_cases).
    pub explore_cases: u64,
    /// The generator could move the gate's clock.
    pub clock: bool,
    /// Suite scenarios recorded.
    pub suite_scenarios: usize,
    /// Suite exchanges.
    pub suite_exchanges: usize,
    /// Generated exchanges.
    pub explore_exchanges: usize,
    /// Names of the normalization rules applied.
    pub rules: Vec<String>,
}

/// A corpus in memory.
#[derive(Clone, Debug)]
pub struct Corpus {
    /// The manifest.
    pub manifest: Manifest,
    /// Suite exchanges, ids `suite/<scenario>/<n>`.
    pub suite: Vec<NormExchange>,
    /// Generated exchanges, ids `explore/<case>/<n>`.
    pub explore: Vec<NormExchange>,
}

/// Every rule name, as recorded in a manifest.
pub fn rule_names() -> Vec<String> {
    let mut v: Vec<String> = vec![normalize::CONTEXT_RULE.to_string()];
    v.extend(RULES.iter().map(|r| r.name.to_string()));
    v.push(normalize::DURATION_RULE.into());
    v.push(normalize::KEY_ID_RULE.into());
    v.push(normalize::HISTORY_COUNT_RULE.into());
    v.push(normalize::POLICY_REVISION_RULE.into());
    v
}

fn lines(v: &[NormExchange]) -> String {
    v.iter()
        .map(|x| serde_json::to_string(x).unwrap_or_default() + "\n")
        .collect()
}

/// Writes the corpus files into `dir` (created if missing); deviations are left alone.
pub fn write(dir: &Path, c: &Corpus) -> Result<(), CorpusError> {
    std::fs::create_dir_all(dir).map_err(|source| CorpusError::Folder {
        dir: dir.to_path_buf(),
        source,
    })?;
    let put = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| CorpusError::Write { path, source })
    };
    put(
        MANIFEST,
        serde_json::to_string_pretty(&c.manifest).map_err(CorpusError::Manifest)? + "\n",
    )?;
    put(SUITE, lines(&c.suite))?;
    put(EXPLORE, lines(&c.explore))
}

fn read(dir: &Path, name: &str) -> Result<String, CorpusError> {
    let path = dir.join(name);
    std::fs::read_to_string(&path).map_err(|source| CorpusError::Read { path, source })
}

fn parse_lines(dir: &Path, name: &str) -> Result<Vec<NormExchange>, CorpusError> {
    read(dir, name)?
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|source| CorpusError::CorruptLine {
                path: dir.join(name),
                line: i + 1,
                source,
            })
        })
        .collect()
}

/// Loads a corpus; `gate_version` is the version the caller expects (e.g. the target's).
pub fn load(dir: &Path, gate_version: Option<&str>) -> Result<Corpus, CorpusError> {
    let text = read(dir, MANIFEST)?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|source| CorpusError::CorruptManifest {
            path: dir.join(MANIFEST),
            source,
        })?;
    if manifest.format_version != FORMAT_VERSION {
        return Err(CorpusError::FormatVersion {
            dir: dir.to_path_buf(),
            found: manifest.format_version,
        });
    }
    if let Some(v) = gate_version.filter(|v| *v != manifest.gate_version) {
        return Err(CorpusError::GateVersion {
            dir: dir.to_path_buf(),
            recorded: manifest.gate_version,
            target: v.to_string(),
        });
    }
    let suite = parse_lines(dir, SUITE)?;
    let explore = parse_lines(dir, EXPLORE)?;
    if suite.len() != manifest.suite_exchanges || explore.len() != manifest.explore_exchanges {
        return Err(CorpusError::Counts {
            dir: dir.to_path_buf(),
            manifest_suite: manifest.suite_exchanges,
            manifest_explore: manifest.explore_exchanges,
            suite: suite.len(),
            explore: explore.len(),
        });
    }
    Ok(Corpus {
        manifest,
        suite,
        explore,
    })
}

/// A reviewed deviation: exchanges the mock answers differently on purpose.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// Exchange ids or globs.
    pub exchanges: Vec<String>,
    /// The first cell of the row of the parity table in mock-gate/README.md.
    pub parity_row: String,
    /// Why.
    pub reason: String,
    /// Only these body members (dotted paths, `*` for any member or element) deviate; the rest
    /// of the exchange is still compared. Empty: the whole exchange.
    #[serde(default)]
    pub members: Vec<String>,
}

/// A difference not fixed yet.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownOpen {
    /// Exchange ids or globs.
    pub exchanges: Vec<String>,
    /// What differs.
    pub reason: String,
}

/// `deviations.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deviations {
    /// Deliberate deviations.
    #[serde(default)]
    pub deviation: Vec<Deviation>,
    /// Known open differences (visible, counted, not failing).
    #[serde(default, rename = "known-open")]
    pub known_open: Vec<KnownOpen>,
}

impl Deviations {
    /// Loads `dir/deviations.toml` (none is an empty list); bad globs are errors.
    pub fn load(dir: &Path) -> Result<Self, CorpusError> {
        let path = dir.join(DEVIATIONS);
        if !path.exists() {
            return Ok(Deviations::default());
        }
        let text =
            std::fs::read_to_string(&path).map_err(|source| CorpusError::DeviationsFile {
                path: path.clone(),
                source,
            })?;
        let d: Deviations =
            toml::from_str(&text).map_err(|source| CorpusError::DeviationsToml {
                path: path.clone(),
                source,
            })?;
        for g in d
            .deviation
            .iter()
            .flat_map(|x| &x.exchanges)
            .chain(d.known_open.iter().flat_map(|x| &x.exchanges))
        {
            Glob::new(g).map_err(|source| CorpusError::DeviationsGlob {
                path: path.clone(),
                glob: g.clone(),
                source,
            })?;
        }
        Ok(d)
    }
}

impl Deviations {
    /// The deliberate deviation that covers exchange `id` whole, if any.
    pub fn whole(&self, id: &str) -> Option<&Deviation> {
        self.deviation
            .iter()
            .find(|d| d.members.is_empty() && matches(&d.exchanges, id))
    }

    /// The deliberate deviations (indices) that name body members of exchange `id`.
    pub fn member_entries(&self, id: &str) -> Vec<usize> {
        (0..self.deviation.len())
            .filter(|i| {
                let d = &self.deviation[*i];
                !d.members.is_empty() && matches(&d.exchanges, id)
            })
            .collect()
    }

    /// The members named by the entries `entries`.
    pub fn members_of(&self, entries: &[usize]) -> Vec<&str> {
        entries
            .iter()
            .flat_map(|i| self.deviation[*i].members.iter().map(String::as_str))
            .collect()
    }

    /// True when a known-open entry lists exchange `id`.
    pub fn is_known_open(&self, id: &str) -> bool {
        self.known_open.iter().any(|k| matches(&k.exchanges, id))
    }
}

/// True when `id` matches one of `globs`.
pub fn matches(globs: &[String], id: &str) -> bool {
    globs.iter().any(|g| {
        Glob::new(g)
            .map(|g| g.compile_matcher().is_match(id))
            .unwrap_or(false)
    })
}
