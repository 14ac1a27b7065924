//! The counts in the READMEs come from the catalogue and the code, never from a hand.
//!
//! A count is written as the number followed by an invisible marker naming what it counts:
//! `152<!--=gate--> scenarios`. Keys: `gate`, `sdk`, `all` (scenarios per suite), `glob:G1,G2`
//! (scenarios whose id matches any glob), `mutants` (the mock's mutant switches), `lax` (its lax
//! switches), `contract-ids` (the `C-` ids), `xfail:FILE` / `xfail-must:FILE` (entries of
//! `conformance/expected-failures/FILE`, all / those matching a MUST scenario). A count of
//! scenarios, mutants or a kill rate written without a marker fails the test.

use globset::{Glob, GlobSetBuilder};
use latchgate_conformance::catalogue::{contract_ids, Catalogue, Level, Suite};
use latchgate_conformance::expected::ExpectedFailures;
use latchgate_mock::{Lax, Mutant};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate sits in the workspace")
        .to_path_buf()
}

/// Every README of the repository (target/ and dot-folders left out).
fn readmes() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if p.is_dir() && !name.starts_with('.') && name != "target" {
                walk(&p, out);
            } else if name == "README.md" {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&workspace(), &mut out);
    out.sort();
    out
}

fn matching(catalogue: &Catalogue, globs: &str) -> usize {
    let mut b = GlobSetBuilder::new();
    for g in globs.split(',') {
        b.add(Glob::new(g.trim()).unwrap_or_else(|e| panic!("marker glob {g}: {e}")));
    }
    let set = b.build().expect("globs compile");
    catalogue
        .scenarios()
        .iter()
        .filter(|s| set.is_match(&s.id))
        .count()
}

fn expected_failures(file: &str) -> Vec<String> {
    let path = workspace().join("conformance/expected-failures").join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("marker names {}: {e}", path.display()));
    ExpectedFailures::parse(&text, file).expect("the file parses");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split('#').next().map(|p| p.trim().to_string()))
        .collect()
}

/// The value a marker key stands for, computed now.
fn value(catalogue: &Catalogue, key: &str) -> Option<usize> {
    let count = |suite: Suite| {
        catalogue
            .scenarios()
            .iter()
            .filter(|s| s.suite == suite)
            .count()
    };
    Some(match key.split_once(':') {
        None => match key {
            "gate" => count(Suite::Gate),
            "sdk" => count(Suite::Sdk),
            "all" => catalogue.scenarios().len(),
            "mutants" => Mutant::ALL.len(),
            "lax" => Lax::ALL.len(),
            "contract-ids" => contract_ids().len(),
            _ => return None,
        },
        Some(("glob", globs)) => matching(catalogue, globs),
        Some(("xfail", file)) => expected_failures(file).len(),
        Some(("xfail-must", file)) => expected_failures(file)
            .iter()
            .filter(|p| {
                let g = Glob::new(p).expect("parsed above").compile_matcher();
                catalogue
                    .scenarios()
                    .iter()
                    .any(|s| s.level == Level::Must && g.is_match(&s.id))
            })
            .count(),
        Some(_) => return None,
    })
}

/// `(line, number, key)` of every marked number of a text.
fn markers(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for (num, key) in marked(line) {
            out.push((n + 1, num, key));
        }
    }
    out
}

/// `(number, key)` of every `DIGITS<!--=KEY-->` of a line; no digits before a marker reads as
/// `usize::MAX`, which no key computes.
fn marked(line: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("<!--=") {
        let before = &rest[..at];
        let start = before.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let after = &rest[at + 5..];
        let Some(end) = after.find("-->") else { break };
        let number = before[start..].parse().unwrap_or(usize::MAX);
        out.push((number, after[..end].to_string()));
        rest = &after[end + 3..];
    }
    out
}

/// Counts written by hand: a number up to three words before "scenarios", "mutants" or
/// "mutant" (switches), or a kill rate `N/M`, without a marker.
fn unmarked(line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut found = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let token = w.trim_start_matches(['(', '*', '[']);
        let number = token.chars().next().is_some_and(|c| c.is_ascii_digit())
            && token.chars().all(|c| c.is_ascii_digit());
        if !number {
            continue;
        }
        // The counted noun may follow a word or two later: "41 MUST scenarios".
        let counted = words.iter().skip(i + 1).take(3).position(|n| {
            let n = n.trim_end_matches([',', '.', ':', ')', ';']);
            matches!(n, "scenarios" | "mutants" | "mutant")
        });
        if let Some(k) = counted {
            found.push(format!("'{}'", words[i..=i + 1 + k].join(" ")));
        }
    }
    if let Some(at) = line.to_lowercase().find("kill rate") {
        let tail = &line[at..];
        if tail.contains('/') && !tail.contains("<!--=") {
            found.push("a kill rate".into());
        }
    }
    found
}

#[test]
fn every_marked_number_in_the_readmes_is_the_computed_value() {
    let catalogue = Catalogue::builtin();
    let mut wrong = Vec::new();
    let mut seen = 0;
    for path in readmes() {
        let text = std::fs::read_to_string(&path).expect("README readable");
        for (line, written, key) in markers(&text) {
            seen += 1;
            match value(&catalogue, &key) {
                Some(v) if v == written => {}
                Some(v) => wrong.push(format!(
                    "{}:{line}: says {written} for '{key}', the code says {v}",
                    path.display()
                )),
                None => wrong.push(format!(
                    "{}:{line}: unknown marker key '{key}'",
                    path.display()
                )),
            }
        }
    }
    assert!(seen > 0, "no marked number found in any README");
    assert!(
        wrong.is_empty(),
        "stale README numbers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_readme_types_a_count_of_scenarios_or_mutants_by_hand() {
    let mut typed = Vec::new();
    for path in readmes() {
        let text = std::fs::read_to_string(&path).expect("README readable");
        for (n, line) in text.lines().enumerate() {
            for what in unmarked(line) {
                typed.push(format!("{}:{}: {what}", path.display(), n + 1));
            }
        }
    }
    assert!(
        typed.is_empty(),
        "counts typed by hand (write them as N<!--=KEY-->, see tests/readme_numbers.rs):\n{}",
        typed.join("\n")
    );
}

#[test]
fn the_suite_strength_table_has_one_row_per_mutant() {
    let text = std::fs::read_to_string(workspace().join("conformance/README.md")).unwrap();
    let missing: Vec<String> = Mutant::ALL
        .iter()
        .map(|m| m.name())
        .filter(|name| !text.contains(&format!("| `{name}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "mutants without a row in conformance/README.md's suite-strength table: {missing:?}"
    );
}

#[test]
fn marker_parsing_and_the_hand_typed_rule_see_what_they_should() {
    assert_eq!(
        markers("a (152<!--=gate--> scenarios) and 23<!--=mutants-->/23<!--=mutants-->"),
        vec![
            (1, 152, "gate".to_string()),
            (1, 23, "mutants".to_string()),
            (1, 23, "mutants".to_string())
        ]
    );
    assert_eq!(
        unmarked("a gate suite (145 crafted-request scenarios) and **Kill rate 23/23**"),
        vec![
            "'(145 crafted-request scenarios)'".to_string(),
            "a kill rate".to_string()
        ]
    );
    assert!(unmarked("(152<!--=gate--> scenarios), Kill rate 1<!--=mutants-->/1").is_empty());
}
