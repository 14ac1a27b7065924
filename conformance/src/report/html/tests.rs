use super::*;
use serde_json::json;

fn doc(results: serde_json::Value) -> Doc {
    serde_json::from_value(json!({
        "run": {"runner_version": "t", "target": "mock", "started_at": "2026-01-01T00:00:00Z",
                "sdk": {"driver": "cmd:x", "name": "sdk-x", "version": "1.2.3"}},
        "conformant": false, "duration_ms": 1200, "results": results
    }))
    .unwrap()
}

fn failing() -> Doc {
    doc(json!([
        {"id": "sdk.dpop.fresh-jti", "level": "MUST", "suite": "sdk", "refs": ["C-DPOP-07"],
         "description": "every request gets a fresh jti", "verdict": "fail", "duration_ms": 3,
         "reason": "jti reused", "evidence": {"expected": "two jtis", "actual": "one jti <script>alert(1)</script>",
         "excerpts": ["POST /v1/actions/x/execute"]}},
        {"id": "lease.issue.ok", "level": "MUST", "suite": "gate", "refs": ["PROTOCOL §3.5"],
         "description": "a lease is issued", "verdict": "pass", "duration_ms": 1}
    ]))
}

#[test]
fn a_failure_shows_its_evidence_requirement_and_fix() {
    let page = render(&failing(), None);
    let fix = &contract::get("C-DPOP-07").unwrap().fix;
    assert!(page.contains("jti reused"), "the failure reason is missing");
    assert!(
        page.contains("POST /v1/actions/x/execute"),
        "the evidence excerpt is missing"
    );
    assert!(page.contains(&esc(fix)), "the C-DPOP-07 fix is missing");
}

#[test]
fn evidence_text_is_escaped() {
    let page = render(&failing(), None);
    assert!(
        !page.contains("<script>alert(1)"),
        "evidence was inserted as markup"
    );
    assert!(
        page.contains("&lt;script&gt;alert(1)"),
        "escaped evidence is missing"
    );
}

#[test]
fn the_page_loads_nothing_from_the_network() {
    let page = render(&failing(), Some(&failing()));
    for needle in ["src=", "<link", "@import", "url(", "http://", "https://"] {
        assert!(
            !page.contains(needle),
            "the page references an external resource: {needle}"
        );
    }
}

#[test]
fn a_baseline_adds_the_comparison_with_regressions() {
    let old = doc(json!([
        {"id": "sdk.dpop.fresh-jti", "level": "MUST", "suite": "sdk", "verdict": "pass"},
        {"id": "lease.issue.ok", "level": "MUST", "suite": "gate", "verdict": "fail"}
    ]));
    let page = render(&failing(), Some(&old));
    assert!(
        page.contains("<section id=\"comparison\">"),
        "no comparison section"
    );
    assert!(
        page.contains("<tr class=\"diff change-regressed\"><td>regressed</td><td><code>sdk.dpop.fresh-jti</code>"),
        "the regression is not listed"
    );
    assert!(page.contains("1 fixed"), "the fixed count is missing");
}

#[test]
fn no_baseline_no_comparison() {
    assert!(!render(&failing(), None).contains("id=\"comparison\""));
}
