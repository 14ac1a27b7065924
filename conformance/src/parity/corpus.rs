//! The corpus on disk: `manifest.json` (format version, tool version, gate version, seed,
//! counts, rule names), `suite.jsonl` and `explore.jsonl` (one normalized exchange per line),
//! and `deviations.toml` (reviewed: deliberate deviations tied to a parity-table row, and
//! known open differences, each naming exchanges by id or glob).

use super::exchange::NormExchange;
use super::normalize::{self, RULES};
use globset::Glob;
use serde::{Deserialize, Serialize};
use std::path::Path;

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
pub fn write(dir: &Path, c: &Corpus) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("--out {}: {e}", dir.display()))?;
    let put = |name: &str, text: String| {
        std::fs::write(dir.join(name), text)
            .map_err(|e| format!("{}: {e}", dir.join(name).display()))
    };
    put(
        MANIFEST,
        serde_json::to_string_pretty(&c.manifest).map_err(|e| e.to_string())? + "\n",
    )?;
    put(SUITE, lines(&c.suite))?;
    put(EXPLORE, lines(&c.explore))
}

fn read(dir: &Path, name: &str) -> Result<String, String> {
    std::fs::read_to_string(dir.join(name))
        .map_err(|e| format!("corpus file {}: {e}", dir.join(name).display()))
}

fn parse_lines(dir: &Path, name: &str) -> Result<Vec<NormExchange>, String> {
    read(dir, name)?
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                format!(
                    "corrupt corpus file {} line {}: {e}",
                    dir.join(name).display(),
                    i + 1
                )
            })
        })
        .collect()
}

/// Loads a corpus; `gate_version` is the version the caller expects (e.g. the target's).
pub fn load(dir: &Path, gate_version: Option<&str>) -> Result<Corpus, String> {
    let text = read(dir, MANIFEST)?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
        format!(
            "corrupt corpus manifest {}: {e}",
            dir.join(MANIFEST).display()
        )
    })?;
    if manifest.format_version != FORMAT_VERSION {
        return Err(format!(
            "corpus {} has format version {}, this tool reads version {FORMAT_VERSION}; re-record it",
            dir.display(),
            manifest.format_version
        ));
    }
    if let Some(v) = gate_version.filter(|v| *v != manifest.gate_version) {
        return Err(format!(
            "corpus {} was recorded from gate version {}, the target is version {v}",
            dir.display(),
            manifest.gate_version
        ));
    }
    let suite = parse_lines(dir, SUITE)?;
    let explore = parse_lines(dir, EXPLORE)?;
    if suite.len() != manifest.suite_exchanges || explore.len() != manifest.explore_exchanges {
        return Err(format!(
            "corrupt corpus {}: the manifest counts {} suite and {} explored exchanges, the files hold {} and {}",
            dir.display(),
            manifest.suite_exchanges,
            manifest.explore_exchanges,
            suite.len(),
            explore.len()
        ));
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
    pub fn load(dir: &Path) -> Result<Self, String> {
        let path = dir.join(DEVIATIONS);
        if !path.exists() {
            return Ok(Deviations::default());
        }
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let d: Deviations =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for g in d
            .deviation
            .iter()
            .flat_map(|x| &x.exchanges)
            .chain(d.known_open.iter().flat_map(|x| &x.exchanges))
        {
            Glob::new(g).map_err(|e| format!("{}: exchange glob '{g}': {e}", path.display()))?;
        }
        Ok(d)
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
