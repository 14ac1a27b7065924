use super::*;

#[test]
fn catalogue_passes_its_lint() {
    let problems = Catalogue::builtin().lint();
    assert!(
        problems.is_empty(),
        "catalogue problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_sdk_contract_id_has_a_scenario() {
    let uncovered = Catalogue::builtin().uncovered_contract_ids();
    assert!(
        uncovered.is_empty(),
        "SDK-CONTRACT ids without an SDK scenario: {uncovered:?}"
    );
}

#[test]
fn contract_id_list_matches_sdk_contract_md_when_present() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/SDK-CONTRACT.md");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skip: {} not present", path.display());
        return;
    };
    let listed: BTreeSet<String> = contract_ids().into_iter().map(|(id, _)| id).collect();
    let mut in_doc = BTreeSet::new();
    for (i, _) in text.match_indices("C-") {
        let id: String = text[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if id.len() > 4 && id[2..].contains('-') {
            in_doc.insert(id);
        }
    }
    assert_eq!(
        listed, in_doc,
        "contract-ids.txt differs from SDK-CONTRACT.md"
    );
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
fn every_mutation_names_a_scenario_of_its_own_suite() {
    let c = Catalogue::builtin();
    for s in c.scenarios() {
        if let Some(base) = &s.mutation_of {
            assert_eq!(
                c.get(base).map(|b| b.suite),
                Some(s.suite),
                "{} mutates {base} of another suite",
                s.id
            );
        }
    }
}

#[test]
fn duplicate_ids_are_reported_by_lint() {
    let file =
        "[[scenario]]\nid = \"a.b\"\nlevel = \"MUST\"\nrefs = [\"x\"]\ndescription = \"d\"\n";
    let twice = format!("{file}{file}");
    let c = Catalogue::parse(&[("t.toml", twice.as_str())], &[]).expect("parses");
    assert_eq!(c.lint(), vec!["a.b: duplicate id".to_string()]);
}

#[test]
fn shards_partition_the_selection() {
    let c = Catalogue::builtin();
    let all = Selection::new(&[], &[], None)
        .unwrap()
        .apply(c.scenarios())
        .len();
    let parts: usize = (1..=3)
        .map(|i| {
            Selection::new(&[], &[], Some(Shard { index: i, count: 3 }))
                .unwrap()
                .apply(c.scenarios())
                .len()
        })
        .sum();
    assert_eq!(parts, all);
}

#[test]
fn bad_shard_and_glob_are_usage_errors() {
    assert!("0/3".parse::<Shard>().is_err());
    assert!("4/3".parse::<Shard>().is_err());
    assert!(Selection::new(&["a[".into()], &[], None).is_err());
}

#[test]
fn only_and_skip_globs_select_by_id() {
    let c = Catalogue::builtin();
    let sel = Selection::new(&["dpop.*".into()], &["dpop.iat.*".into()], None).unwrap();
    let ids: Vec<&str> = sel
        .apply(c.scenarios())
        .into_iter()
        .map(|s| s.id.as_str())
        .collect();
    assert!(ids.contains(&"dpop.typ.jwt"));
    assert!(!ids
        .iter()
        .any(|i| i.starts_with("dpop.iat.") || !i.starts_with("dpop.")));
}
