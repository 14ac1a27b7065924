use super::*;
use crate::catalogue::{contract_ids, Catalogue};
use std::collections::BTreeSet;

#[test]
fn every_ref_used_by_a_scenario_has_a_requirement() {
    let missing: BTreeSet<String> = Catalogue::builtin()
        .scenarios()
        .iter()
        .flat_map(|s| s.refs.iter())
        .filter(|r| get(r).is_none())
        .cloned()
        .collect();
    assert!(
        missing.is_empty(),
        "refs without a requirement entry: {missing:?}"
    );
}

#[test]
fn every_contract_id_has_a_requirement_with_its_level() {
    let wrong: Vec<String> = contract_ids()
        .into_iter()
        .filter_map(|(id, level)| match get(&id) {
            None => Some(format!("{id}: no entry")),
            Some(r) if !r.level.starts_with(&level) => Some(format!(
                "{id}: level {} here, {level} in contract-ids.txt",
                r.level
            )),
            Some(_) => None,
        })
        .collect();
    assert!(wrong.is_empty(), "contract ids vs requirements: {wrong:?}");
}

#[test]
fn requirement_ids_are_unique_and_entries_complete() {
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for r in requirements() {
        if !seen.insert(r.id.as_str()) {
            problems.push(format!("{}: duplicate", r.id));
        }
        if r.text.trim().is_empty() || r.fix.trim().is_empty() || r.causes.is_empty() {
            problems.push(format!("{}: text, causes and fix are all required", r.id));
        }
    }
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn every_requirement_is_referenced_by_the_catalogue_or_the_contract_ids() {
    let used: BTreeSet<String> = Catalogue::builtin()
        .scenarios()
        .iter()
        .flat_map(|s| s.refs.iter().cloned())
        .chain(contract_ids().into_iter().map(|(id, _)| id))
        .collect();
    let orphans: Vec<&str> = requirements()
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| !used.contains(*id))
        .collect();
    assert!(
        orphans.is_empty(),
        "requirements nothing refers to: {orphans:?}"
    );
}

#[test]
fn generated_markdown_is_the_committed_file() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contract/sdk-contract.md");
    let fresh = markdown();
    if std::env::var_os("LATCHGATE_BLESS").is_some() {
        std::fs::write(&path, &fresh).expect("write sdk-contract.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "contract/sdk-contract.md is out of date with requirements.toml; rerun with LATCHGATE_BLESS=1"
    );
}

#[test]
fn a_malformed_requirements_file_is_an_error_naming_the_file() {
    let err = parse("[[requirement]]\nid = \"C-X-01\"\n").unwrap_err();
    assert!(
        err.contains("requirements.toml"),
        "error should name the file: {err}"
    );
}
