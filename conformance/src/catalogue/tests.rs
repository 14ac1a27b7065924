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
fn every_line_of_the_contract_id_list_is_a_unique_id_and_a_level() {
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for line in CONTRACT_IDS
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let well_formed = match line.split_once(' ') {
            Some((id, level)) => {
                let parts: Vec<&str> = id.split('-').collect();
                parts.len() == 3
                    && parts[0] == "C"
                    && !parts[1].is_empty()
                    && parts[1].chars().all(|c| c.is_ascii_uppercase())
                    && parts[2].len() == 2
                    && parts[2].chars().all(|c| c.is_ascii_digit())
                    && matches!(level, "MUST" | "SHOULD" | "MAY")
                    && seen.insert(id.to_string())
            }
            None => false,
        };
        if !well_formed {
            problems.push(line.to_string());
        }
    }
    assert!(
        problems.is_empty(),
        "contract-ids.txt lines that are not a new `C-AREA-NN MUST|SHOULD|MAY`: {problems:?}"
    );
    assert_eq!(
        seen.len(),
        contract_ids().len(),
        "ids read by contract_ids()"
    );
}

#[test]
fn every_contract_ref_of_the_catalogue_is_in_the_contract_id_list() {
    let listed: BTreeSet<String> = contract_ids().into_iter().map(|(id, _)| id).collect();
    let dangling: Vec<String> = Catalogue::builtin()
        .scenarios()
        .iter()
        .flat_map(|s| s.refs.iter().map(move |r| (s.id.clone(), r.clone())))
        .filter(|(_, r)| r.starts_with("C-") && !listed.contains(r))
        .map(|(id, r)| format!("{id}: {r}"))
        .collect();
    assert!(
        dangling.is_empty(),
        "refs to ids missing from contract-ids.txt: {dangling:?}"
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
