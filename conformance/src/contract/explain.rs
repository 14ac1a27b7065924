//! `latchgate-conformance explain ID`: a scenario with the requirements behind its refs, or a
//! requirement with the scenarios that check it.

use super::{get, requirements, Requirement};
use crate::catalogue::{Catalogue, Scenario};

/// What `explain ID` prints; for an unknown id, an error message with the closest ids.
pub fn explain(catalogue: &Catalogue, id: &str) -> Result<String, String> {
    let id = id.trim();
    if let Some(s) = catalogue.get(id) {
        return Ok(scenario_text(s));
    }
    if let Some(r) = get(id) {
        let checked_by: Vec<&str> = catalogue
            .scenarios()
            .iter()
            .filter(|s| s.refs.iter().any(|x| x == &r.id))
            .map(|s| s.id.as_str())
            .collect();
        let mut out = requirement_text(r);
        out.push_str(&format!("\nChecked by: {}\n", list_or_none(&checked_by)));
        return Ok(out);
    }
    let near = suggestions(catalogue, id);
    let hint = if near.is_empty() {
        String::new()
    } else {
        format!("; did you mean: {}?", near.join(", "))
    };
    Err(format!(
        "explain: unknown scenario or requirement id '{id}'{hint} (`latchgate-conformance list` prints every scenario id)"
    ))
}

fn scenario_text(s: &Scenario) -> String {
    let mut out = format!(
        "{}  ({} scenario of the {} suite)\n{}\nrefs: {}\n",
        s.id,
        s.level.as_str(),
        s.suite.as_str(),
        wrap(&s.description, 0),
        s.refs.join(", ")
    );
    if let Some(base) = &s.mutation_of {
        out.push_str(&format!("mutation of {base}: {}\n", s.mutation.join("; ")));
    }
    if let (Some(p), Some(e)) = (&s.probe, &s.expect) {
        out.push_str(&format!("probe {p}, expects {e}\n"));
    }
    if !s.needs.is_empty() {
        let needs: Vec<String> = s.needs.iter().map(ToString::to_string).collect();
        out.push_str(&format!("needs: {}\n", needs.join(", ")));
    }
    for r in s.refs.iter().filter_map(|r| get(r)) {
        out.push('\n');
        out.push_str(&requirement_text(r));
    }
    out
}

/// One requirement: id, level, area, text, causes and fix, wrapped for a terminal.
pub fn requirement_text(r: &Requirement) -> String {
    let mut out = format!("{} ({}, {})\n{}\n", r.id, r.level, r.area, wrap(&r.text, 2));
    out.push_str("  Typical causes:\n");
    for c in &r.causes {
        out.push_str(&format!("{}\n", wrap(&format!("- {c}"), 4)));
    }
    out.push_str(&format!("{}\n", wrap(&format!("How to fix: {}", r.fix), 2)));
    out
}

fn list_or_none(ids: &[&str]) -> String {
    if ids.is_empty() {
        "no scenario".into()
    } else {
        ids.join(", ")
    }
}

fn wrap(text: &str, indent: usize) -> String {
    const WIDTH: usize = 96;
    let pad = " ".repeat(indent);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && pad.len() + line.len() + 1 + word.len() > WIDTH {
            lines.push(format!("{pad}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{pad}{line}"));
    }
    lines.join("\n")
}

/// Up to five known ids closest to `query`: those containing it first, then by edit distance.
fn suggestions(catalogue: &Catalogue, query: &str) -> Vec<String> {
    let q = query.to_ascii_lowercase();
    let ids = catalogue
        .scenarios()
        .iter()
        .map(|s| s.id.as_str())
        .chain(requirements().iter().map(|r| r.id.as_str()));
    let mut scored: Vec<(usize, &str)> = ids
        .map(|id| {
            let l = id.to_ascii_lowercase();
            let score = if !q.is_empty() && l.contains(&q) {
                0
            } else {
                1 + distance(&l, &q)
            };
            (score, id)
        })
        .filter(|(score, _)| *score <= 1 + q.len().max(4) / 3)
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(5)
        .map(|(_, id)| id.to_string())
        .collect()
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_shows_its_requirement_and_fix() {
        let out = explain(&Catalogue::builtin(), "dpop.alg.hs256").unwrap();
        let r = get("PROTOCOL §5.2").unwrap();
        assert!(
            out.starts_with("dpop.alg.hs256  (MUST scenario of the gate suite)"),
            "{out}"
        );
        assert!(out.contains("How to fix:"), "no fix in:\n{out}");
        assert!(
            out.contains(&format!("- {}", r.causes[0])),
            "the PROTOCOL §5.2 causes are missing from:\n{out}"
        );
    }

    #[test]
    fn a_contract_id_lists_the_scenarios_that_check_it() {
        let out = explain(&Catalogue::builtin(), "c-dpop-07").unwrap();
        assert!(out.starts_with("C-DPOP-07 (MUST"), "{out}");
        assert!(
            out.contains("\nChecked by: ") && out.contains("sdk.dpop.fresh-jti"),
            "{out}"
        );
    }

    #[test]
    fn an_unknown_id_suggests_near_ones() {
        let err = explain(&Catalogue::builtin(), "dpop.alg.hs265").unwrap_err();
        assert!(err.contains("did you mean: dpop.alg.hs256"), "{err}");
    }

    #[test]
    fn an_id_with_nothing_near_gets_no_suggestion() {
        let err = explain(&Catalogue::builtin(), "zzzzzzzzzzzzzzzzzzzzzzzz").unwrap_err();
        assert!(!err.contains("did you mean"), "{err}");
    }
}
