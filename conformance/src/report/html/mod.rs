//! `--html FILE`: one self-contained page (inline CSS and JS, no network) with the verdict per
//! suite, level and family, every failure with its evidence and the requirement behind it
//! (text, typical causes, how to fix, from `contract/requirements.toml`), filters by verdict
//! and free text, and, given a baseline report, what changed since.

mod compare;
mod doc;

pub use compare::{diff, Change, Diff};
pub use doc::Doc;

use super::RunReport;
use crate::contract;
use doc::{label, ResultDoc, VERDICTS};
use std::collections::BTreeMap;
use std::fmt::Write;

const CSS: &str = include_str!("page.css");
const JS: &str = include_str!("page.js");

/// The page for a finished run, compared with `baseline` when given.
pub fn to_html(report: &RunReport, baseline: Option<&Doc>) -> String {
    let doc: Doc = serde_json::to_value(report)
        .and_then(serde_json::from_value)
        .expect("a run report reads back as a report document");
    render(&doc, baseline)
}

/// The page for a report document, compared with `baseline` when given.
pub fn render(doc: &Doc, baseline: Option<&Doc>) -> String {
    let mut body = String::new();
    body.push_str(&header(doc));
    body.push_str("<main>\n");
    body.push_str(&overview(doc));
    body.push_str(&families(doc));
    if let Some(old) = baseline {
        body.push_str(&comparison(old, doc));
    }
    body.push_str(&results(doc));
    body.push_str("</main>\n");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n{body}<script>\n{JS}</script>\n</body>\n</html>\n",
        esc(&title(doc))
    )
}

fn title(doc: &Doc) -> String {
    match &doc.run.sdk {
        Some(s) => format!(
            "Conformance: {} {} against {}",
            s.name, s.version, doc.run.target
        ),
        None => format!("Conformance: {}", doc.run.target),
    }
}

fn header(doc: &Doc) -> String {
    let sdk = doc
        .run
        .sdk
        .as_ref()
        .map(|s| format!(" · SDK {} {} ({})", s.name, s.version, s.driver))
        .unwrap_or_default();
    format!(
        "<header>\n<h1>{}</h1>\n<div class=\"meta\">runner {} · target {}{} · started {} · {:.1} s · {} scenarios</div>\n</header>\n",
        esc(&title(doc)),
        esc(&doc.run.runner_version),
        esc(&doc.run.target),
        esc(&sdk),
        esc(&doc.run.started_at),
        doc.duration_ms as f64 / 1000.0,
        doc.results.len()
    )
}

fn overview(doc: &Doc) -> String {
    let (class, text) = if doc.conformant {
        (
            "ok",
            "Conformant: every MUST scenario passed or is an expected failure",
        )
    } else {
        ("bad", "Not conformant: MUST scenarios failed")
    };
    let mut s = format!(
        "<section id=\"overview\">\n<h2>Verdict</h2>\n<p class=\"verdict {class}\" id=\"verdict\">{text}</p>\n"
    );
    s.push_str(&tally_table(
        "By suite and level",
        "suite-level",
        &doc.tally(|r| (r.suite.clone(), r.level.clone())),
        |(suite, level)| format!("{suite} {level}"),
    ));
    s.push_str("</section>\n");
    s
}

fn families(doc: &Doc) -> String {
    let mut s = String::from("<section id=\"families\">\n");
    s.push_str(&tally_table(
        "By family",
        "family",
        &doc.tally(|r| (r.suite.clone(), r.family())),
        |(suite, family)| format!("{suite} · {family}"),
    ));
    s.push_str("</section>\n");
    s
}

fn tally_table<K>(
    heading: &str,
    id: &str,
    rows: &BTreeMap<K, BTreeMap<String, usize>>,
    name: impl Fn(&K) -> String,
) -> String {
    let mut s = format!("<h2>{heading}</h2>\n<table id=\"{id}\">\n<tr><th></th>");
    for (_, l) in VERDICTS {
        let _ = write!(s, "<th class=\"n\">{l}</th>");
    }
    s.push_str("<th></th></tr>\n");
    for (key, counts) in rows {
        let total: usize = counts.values().sum();
        let _ = write!(s, "<tr><td>{}</td>", esc(&name(key)));
        let mut bar = String::new();
        for (v, _) in VERDICTS {
            let n = counts.get(*v).copied().unwrap_or(0);
            let _ = write!(
                s,
                "<td class=\"n\">{}</td>",
                if n == 0 { String::new() } else { n.to_string() }
            );
            if n > 0 {
                let _ = write!(
                    bar,
                    "<span class=\"{v}\" style=\"width:{:.2}%\"></span>",
                    100.0 * n as f64 / total as f64
                );
            }
        }
        let _ = writeln!(s, "<td><div class=\"bar\">{bar}</div></td></tr>");
    }
    s.push_str("</table>\n");
    s
}

fn comparison(old: &Doc, new: &Doc) -> String {
    let diffs = diff(old, new);
    let mut counts: BTreeMap<Change, usize> = BTreeMap::new();
    diffs
        .iter()
        .for_each(|d| *counts.entry(d.change).or_default() += 1);
    let summary: Vec<String> = counts
        .iter()
        .map(|(c, n)| format!("<span class=\"change-{0}\">{n} {0}</span>", c.as_str()))
        .collect();
    let mut s = format!(
        "<section id=\"comparison\">\n<h2>Compared with {}</h2>\n<p>{}</p>\n",
        esc(&baseline_name(old)),
        if summary.is_empty() {
            "No verdict changed.".to_string()
        } else {
            summary.join(" · ")
        }
    );
    let (moved, came_or_went): (Vec<&Diff>, Vec<&Diff>) = diffs
        .iter()
        .partition(|d| !matches!(d.change, Change::New | Change::Removed));
    if !moved.is_empty() {
        s.push_str(&diff_table(&moved));
    }
    if !came_or_went.is_empty() {
        let _ = write!(
            s,
            "<details><summary>{} scenarios ran in only one of the two runs</summary>\n{}</details>\n",
            came_or_went.len(),
            diff_table(&came_or_went)
        );
    }
    s.push_str("</section>\n");
    s
}

fn diff_table(diffs: &[&Diff]) -> String {
    let mut s = String::from(
        "<table>\n<tr><th>change</th><th>scenario</th><th>level</th><th>before</th><th>now</th></tr>\n",
    );
    for d in diffs {
        let cell = |v: &Option<String>| match v {
            Some(v) => format!("<span class=\"badge v-{}\">{}</span>", esc(v), label(v)),
            None => "<span class=\"muted\">not run</span>".into(),
        };
        let _ = writeln!(
            s,
            "<tr class=\"diff change-{0}\"><td>{0}</td><td><code>{1}</code></td><td>{2}</td><td>{3}</td><td>{4}</td></tr>",
            d.change.as_str(),
            esc(&d.id),
            esc(&d.level),
            cell(&d.before),
            cell(&d.after)
        );
    }
    s.push_str("</table>\n");
    s
}

fn baseline_name(old: &Doc) -> String {
    let sdk = old
        .run
        .sdk
        .as_ref()
        .map(|s| format!("{} {}, ", s.name, s.version))
        .unwrap_or_default();
    format!("the baseline ({sdk}run of {})", old.run.started_at)
}

fn results(doc: &Doc) -> String {
    let mut s = String::from("<section id=\"results\">\n<h2>Scenarios (<span id=\"shown\"></span> shown)</h2>\n<div class=\"filters\">\n");
    for (v, l) in VERDICTS {
        let n = doc.results.iter().filter(|r| r.verdict == *v).count();
        let checked = if *v == "pass" { "" } else { " checked" };
        let _ = writeln!(
            s,
            "<label class=\"v-{v}\"><input type=\"checkbox\" name=\"verdict\" value=\"{v}\"{checked}> <span class=\"badge\">{l}</span> {n}</label>"
        );
    }
    s.push_str("<input type=\"search\" id=\"q\" placeholder=\"filter by id, description, requirement or evidence\">\n</div>\n");
    let mut ordered: Vec<&ResultDoc> = doc.results.iter().collect();
    ordered.sort_by_key(|r| {
        VERDICTS
            .iter()
            .position(|(v, _)| *v == r.verdict)
            .unwrap_or(VERDICTS.len())
    });
    for r in ordered {
        s.push_str(&result(r));
    }
    s.push_str("</section>\n");
    s
}

fn result(r: &ResultDoc) -> String {
    let mut body = format!(
        "<p>{}</p>\n<p class=\"muted\">refs: {}</p>\n",
        esc(&r.description),
        esc(&r.refs.join(", "))
    );
    if let Some(c) = &r.expected_failure_comment {
        let _ = writeln!(body, "<p><b>Expected failure:</b> {}</p>", esc(c));
    }
    if let Some(reason) = &r.reason {
        let word = if r.verdict == "skip" {
            "Skipped"
        } else {
            "Why"
        };
        let _ = writeln!(body, "<p><b>{word}:</b> {}</p>", esc(reason));
    }
    if let Some(e) = &r.evidence {
        for (name, v) in [("expected", &e.expected), ("actual", &e.actual)] {
            if let Some(v) = v {
                let _ = writeln!(body, "<div><b>{name}</b><pre>{}</pre></div>", esc(v));
            }
        }
        if !e.excerpts.is_empty() {
            let _ = writeln!(
                body,
                "<div><b>evidence</b><pre>{}</pre></div>",
                esc(&e.excerpts.join("\n"))
            );
        }
    }
    let mut search = format!(
        "{} {} {} {}",
        r.id,
        r.description,
        r.refs.join(" "),
        r.reason.as_deref().unwrap_or("")
    );
    if r.verdict != "pass" && r.verdict != "skip" {
        for req in r.refs.iter().filter_map(|x| contract::get(x)) {
            body.push_str(&requirement(req));
            search.push(' ');
            search.push_str(&req.text);
        }
    }
    if let Some(e) = &r.evidence {
        search.push(' ');
        search.push_str(&e.excerpts.join(" "));
    }
    format!(
        "<details class=\"result v-{v}\" data-verdict=\"{v}\" data-search=\"{search}\"{open}>\n\
         <summary><span class=\"badge\">{label}</span> <span>{level}</span> <span class=\"muted\">{suite}</span> <code>{id}</code><span class=\"dur\">{ms} ms</span></summary>\n\
         <div class=\"body\">\n{body}</div>\n</details>\n",
        v = esc(&r.verdict),
        search = esc(&search.to_lowercase()),
        open = if r.is_failure() { " open" } else { "" },
        label = label(&r.verdict),
        level = esc(&r.level),
        suite = esc(&r.suite),
        id = esc(&r.id),
        ms = r.duration_ms,
    )
}

fn requirement(req: &contract::Requirement) -> String {
    let causes: String = req
        .causes
        .iter()
        .map(|c| format!("<li>{}</li>", esc(c)))
        .collect();
    format!(
        "<div class=\"req\">\n<h4>{} ({}) · {}</h4>\n<p>{}</p>\n<p class=\"muted\">Typical causes:</p><ul>{causes}</ul>\n<p class=\"fix\"><b>How to fix:</b> {}</p>\n</div>\n",
        esc(&req.id),
        esc(&req.level),
        esc(&req.area),
        esc(&req.text),
        esc(&req.fix)
    )
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
