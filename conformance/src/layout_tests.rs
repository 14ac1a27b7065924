//! The id → file rule of the README: a scenario `F.rest` (`sdk.F.rest` in the SDK suite) written
//! as code is implemented in the module `F` of its suite (`src/SUITE/F.rs` or `src/SUITE/F/`),
//! and the suite's registry names it there; a probe scenario is catalogue data, interpreted by
//! `src/gate/probe/`, and is in no registry.

use crate::catalogue::{family, Catalogue, Scenario, Suite};
use std::path::Path;

/// The registry entries (id, module) of a suite.
fn registry(suite: Suite) -> Vec<(&'static str, &'static str)> {
    match suite {
        Suite::Gate => crate::gate::registry::SCENARIOS
            .iter()
            .map(|&(id, module, _)| (id, module))
            .collect(),
        Suite::Sdk => crate::sdk::registry::SCENARIOS
            .iter()
            .map(|&(id, module, _)| (id, module))
            .collect(),
    }
}

/// What is wrong with where `s` is registered, if anything.
fn misplaced(s: &Scenario) -> Option<String> {
    let modules: Vec<&str> = registry(s.suite)
        .into_iter()
        .filter(|(id, _)| *id == s.id)
        .map(|(_, module)| module)
        .collect();
    match (s.probe.is_some(), modules.as_slice()) {
        (true, []) => None,
        (true, found) => Some(format!(
            "{}: a probe scenario, yet registered in {found:?}",
            s.id
        )),
        (false, [module]) if *module == family(&s.id) => None,
        (false, found) => Some(format!(
            "{}: registered in {found:?}, the rule says the module `{}`",
            s.id,
            family(&s.id)
        )),
    }
}

#[test]
fn every_scenario_is_implemented_in_the_module_its_id_names() {
    let problems: Vec<String> = Catalogue::builtin()
        .scenarios()
        .iter()
        .filter_map(misplaced)
        .collect();
    assert!(
        problems.is_empty(),
        "scenarios not where their id says:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_registered_id_is_a_scenario_of_its_suite() {
    let catalogue = Catalogue::builtin();
    for suite in [Suite::Gate, Suite::Sdk] {
        let strays: Vec<&str> = registry(suite)
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| catalogue.get(id).is_none_or(|s| s.suite != suite))
            .collect();
        assert!(
            strays.is_empty(),
            "{} registry entries that are not {} scenarios of the catalogue: {strays:?}",
            suite.as_str(),
            suite.as_str()
        );
    }
}

#[test]
fn every_family_module_is_the_file_of_its_name() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for suite in [Suite::Gate, Suite::Sdk] {
        for (_, module) in registry(suite) {
            let dir = src.join(suite.as_str());
            assert!(
                dir.join(format!("{module}.rs")).is_file() || dir.join(module).is_dir(),
                "the family module `{module}` is not src/{}/{module}.rs",
                suite.as_str()
            );
        }
    }
}

#[test]
fn every_scenario_has_an_implementation() {
    let catalogue = Catalogue::builtin();
    let missing: Vec<&str> = catalogue
        .scenarios()
        .iter()
        .filter(|s| match s.suite {
            Suite::Gate => crate::gate::implementation(s).is_none(),
            Suite::Sdk => crate::sdk::implementation(&s.id).is_none(),
        })
        .map(|s| s.id.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "scenarios without implementation: {missing:?}"
    );
}

#[test]
fn the_family_is_the_first_id_segment_after_the_suite_prefix() {
    assert_eq!(family("dpop.alg.hs256"), "dpop", "a gate id");
    assert_eq!(family("sdk.lease.scopes-verbatim"), "lease", "an SDK id");
    assert_eq!(family("health"), "health", "an id of one segment");
}
