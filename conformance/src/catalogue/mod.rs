//! The scenario catalogue: metadata as data (`conformance/catalogue/*.toml`), implementations as code.
//!
//! Every scenario has a stable dotted id, a level, a suite, requirement references, what it needs
//! from the target or the driver, and a one-line description. Negative scenarios name the happy
//! path they mutate (`mutation_of`) and the one thing they break (`mutation`).

mod filter;
mod need;

pub use filter::{Selection, SelectionError, Shard};
pub use need::{Need, UnknownNeed};

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The family of a scenario id: its first segment, or the second in the SDK suite, whose ids all
/// start with `sdk.` (`dpop.alg.hs256` → `dpop`, `sdk.lease.scopes` → `lease`). A family's code
/// is one module: `src/gate/F.rs`, `src/sdk/F.rs`.
pub fn family(id: &str) -> &str {
    let mut parts = id.split('.');
    let first = parts.next().unwrap_or_default();
    match first {
        "sdk" => parts.next().unwrap_or(first),
        _ => first,
    }
}

/// RFC 2119 level of the requirement a scenario checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    /// A failure makes the run fail (exit 1).
    #[serde(rename = "MUST")]
    Must,
    /// A failure is reported but does not fail the run.
    #[serde(rename = "SHOULD")]
    Should,
}

impl Level {
    /// `MUST` or `SHOULD`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
        }
    }
}

/// Which suite a scenario belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Suite {
    /// Crafted requests judged against PROTOCOL.md; checks the gate.
    Gate,
    /// Driver commands judged on the wire and the outcome; checks the SDK.
    Sdk,
}

impl Suite {
    /// `gate` or `sdk`.
    pub fn as_str(self) -> &'static str {
        match self {
            Suite::Gate => "gate",
            Suite::Sdk => "sdk",
        }
    }
}

/// The metadata of one scenario, as written in the catalogue files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Stable, dotted, lower-case id, e.g. `dpop.typ.jwt`.
    pub id: String,
    /// MUST or SHOULD.
    pub level: Level,
    /// Filled from the file the scenario is declared in.
    #[serde(default = "default_suite", skip_deserializing)]
    pub suite: Suite,
    /// Requirement references: `PROTOCOL §5.2`, `C-DPOP-07`, `RFC 9449 §4.3`, `ANCHORS §4.2 #6`.
    pub refs: Vec<String>,
    /// What the scenario needs from the target or driver; missing needs skip it with the reason.
    #[serde(default)]
    pub needs: Vec<Need>,
    /// One line saying what is checked.
    pub description: String,
    /// For a negative scenario: the id of the happy path it mutates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutation_of: Option<String>,
    /// For a negative scenario: the single thing it breaks, in the probe mutation language.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mutation: Vec<String>,
    /// For a probe: the endpoint it targets (see `gate::probe`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
    /// For a probe: the answer expected, e.g. `401 invalid_dpop`, `404 empty`, `401 invalid_dpop ~iat too old`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<String>,
    /// The runner runs it with no other scenario at the same time, whatever `--jobs` says (it
    /// changes gate state other scenarios rely on while it lasts).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub runs_alone: bool,
}

fn default_suite() -> Suite {
    Suite::Gate
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    scenario: Vec<Scenario>,
}

const GATE_FILES: &[(&str, &str)] = &[
    (
        "gate-auth.toml",
        include_str!("../../catalogue/gate-auth.toml"),
    ),
    (
        "gate-flow.toml",
        include_str!("../../catalogue/gate-flow.toml"),
    ),
    (
        "gate-audit.toml",
        include_str!("../../catalogue/gate-audit.toml"),
    ),
    (
        "gate-fidelity.toml",
        include_str!("../../catalogue/gate-fidelity.toml"),
    ),
];
const SDK_FILES: &[(&str, &str)] = &[("sdk.toml", include_str!("../../catalogue/sdk.toml"))];

/// The requirement ids of SDK-CONTRACT.md with their levels (`conformance/catalogue/contract-ids.txt`).
pub const CONTRACT_IDS: &str = include_str!("../../catalogue/contract-ids.txt");

/// The whole catalogue, in file order: gate suite first, then SDK suite.
#[derive(Clone, Debug)]
pub struct Catalogue {
    scenarios: Vec<Scenario>,
}

impl Catalogue {
    /// Parses the embedded catalogue files. Panics only if the embedded data is broken, which the
    /// catalogue tests rule out.
    pub fn builtin() -> Self {
        Self::parse(GATE_FILES, SDK_FILES).expect("embedded catalogue is valid (checked by tests)")
    }

    fn parse(gate: &[(&str, &str)], sdk: &[(&str, &str)]) -> Result<Self, String> {
        let mut scenarios = Vec::new();
        for (suite, files) in [(Suite::Gate, gate), (Suite::Sdk, sdk)] {
            for (name, text) in files {
                let file: CatalogueFile =
                    toml::from_str(text).map_err(|e| format!("catalogue/{name}: {e}"))?;
                scenarios.extend(file.scenario.into_iter().map(|mut s| {
                    s.suite = suite;
                    s
                }));
            }
        }
        Ok(Catalogue { scenarios })
    }

    /// All scenarios.
    pub fn scenarios(&self) -> &[Scenario] {
        &self.scenarios
    }

    /// The scenario with this id.
    pub fn get(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    /// Problems with the catalogue itself: duplicate or malformed ids, empty descriptions, missing
    /// refs, dangling `mutation_of`, probes without an expectation. Empty when all is well.
    pub fn lint(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        for s in &self.scenarios {
            if !seen.insert(s.id.as_str()) {
                problems.push(format!("{}: duplicate id", s.id));
            }
            if !is_valid_id(&s.id) {
                problems.push(format!(
                    "{}: id must be dotted lower-case [a-z0-9-] segments",
                    s.id
                ));
            }
            let d = s.description.trim();
            if d.is_empty() || d.contains('\n') || d.len() > 160 {
                problems.push(format!(
                    "{}: description must be one line of 1..160 characters",
                    s.id
                ));
            }
            if s.refs.is_empty() {
                problems.push(format!("{}: no requirement refs", s.id));
            }
            if let Some(base) = &s.mutation_of {
                if self.get(base).is_none() {
                    problems.push(format!(
                        "{}: mutation_of names unknown scenario {base}",
                        s.id
                    ));
                }
                if s.mutation.is_empty() {
                    problems.push(format!("{}: a mutation must say what it breaks", s.id));
                }
            }
            if s.probe.is_some() != s.expect.is_some() {
                problems.push(format!("{}: probe and expect go together", s.id));
            }
        }
        problems
    }

    /// The SDK-CONTRACT ids that no SDK scenario references.
    pub fn uncovered_contract_ids(&self) -> Vec<String> {
        let covered: BTreeSet<&str> = self
            .scenarios
            .iter()
            .filter(|s| s.suite == Suite::Sdk)
            .flat_map(|s| s.refs.iter().map(String::as_str))
            .collect();
        contract_ids()
            .into_iter()
            .filter(|(id, _)| !covered.contains(id.as_str()))
            .map(|(id, _)| id)
            .collect()
    }
}

/// The SDK-CONTRACT ids and their levels as listed in `contract-ids.txt`.
pub fn contract_ids() -> Vec<(String, String)> {
    CONTRACT_IDS
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (id, level) = l.split_once(' ')?;
            Some((id.to_string(), level.trim().to_string()))
        })
        .collect()
}

fn is_valid_id(id: &str) -> bool {
    id.split('.').count() >= 2
        && id.split('.').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

#[cfg(test)]
mod tests;
