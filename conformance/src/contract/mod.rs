//! The requirements behind the catalogue's refs, shipped with the suite
//! (`conformance/contract/requirements.toml`): for each SDK-contract id and protocol reference,
//! what is required, what usually breaks it and how to fix it, in this project's words.
//! `contract/sdk-contract.md` is generated from the same file ([`markdown`]).

#[cfg(feature = "cli")]
mod explain;

#[cfg(feature = "cli")]
pub use explain::explain;

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const REQUIREMENTS: &str = include_str!("../../contract/requirements.toml");

/// One requirement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// The reference as the catalogue writes it: `C-DPOP-07`, `PROTOCOL §5.2`, `RFC 9449 §4.3`.
    pub id: String,
    /// MUST, MUST NOT, SHOULD or MAY.
    pub level: String,
    /// The heading it is listed under.
    pub area: String,
    /// What is required.
    pub text: String,
    /// What usually makes an implementation miss it.
    pub causes: Vec<String>,
    /// What to change.
    pub fix: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    requirement: Vec<Requirement>,
}

/// Parses requirements text (the embedded file, or a test's).
pub fn parse(text: &str) -> Result<Vec<Requirement>, String> {
    toml::from_str::<File>(text)
        .map(|f| f.requirement)
        .map_err(|e| format!("contract/requirements.toml: {e}"))
}

/// Every requirement, in file order. Panics only if the embedded file is broken, which the
/// contract tests rule out.
pub fn requirements() -> &'static [Requirement] {
    static ALL: OnceLock<Vec<Requirement>> = OnceLock::new();
    ALL.get_or_init(|| {
        parse(REQUIREMENTS).expect("embedded requirements are valid (checked by tests)")
    })
}

/// The requirement with this id (exact, or ignoring ASCII case).
pub fn get(id: &str) -> Option<&'static Requirement> {
    let all = requirements();
    all.iter()
        .find(|r| r.id == id)
        .or_else(|| all.iter().find(|r| r.id.eq_ignore_ascii_case(id)))
}

/// The human-readable contract (`contract/sdk-contract.md`), generated from the requirements
/// (by the contract test, which also checks that the committed file is current).
#[cfg(test)]
fn markdown() -> String {
    let mut out = String::from(
        "# The requirements behind the conformance scenarios\n\n\
         Generated from `requirements.toml` (do not edit by hand; `LATCHGATE_BLESS=1 cargo test -p \
         latchgate-conformance --lib contract` rewrites it). Each entry says what is required, what \
         usually makes an implementation miss it, and how to fix it. \
         `latchgate-conformance explain ID` prints one entry with the scenarios that check it.\n",
    );
    let mut area = "";
    for r in requirements() {
        if r.area != area {
            area = &r.area;
            out.push_str(&format!("\n## {area}\n"));
        }
        out.push_str(&format!("\n### {} ({})\n\n{}\n\n", r.id, r.level, r.text));
        out.push_str("Typical causes:\n");
        for c in &r.causes {
            out.push_str(&format!("- {c}\n"));
        }
        out.push_str(&format!("\nHow to fix: {}\n", r.fix));
    }
    out
}

#[cfg(test)]
mod tests;
