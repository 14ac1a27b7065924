use super::*;
use crate::catalogue::{Level, Suite};
use crate::report::{RunInfo, ScenarioResult};

fn result(id: &str, level: Level, verdict: Verdict) -> ScenarioResult {
    ScenarioResult {
        id: id.into(),
        level,
        suite: Suite::Sdk,
        refs: vec![],
        description: String::new(),
        verdict,
        duration_ms: 0,
        reason: (verdict == Verdict::Skip).then(|| "no capability".to_string()),
        evidence: None,
        expected_failure_comment: None,
    }
}

fn report(results: Vec<ScenarioResult>) -> RunReport {
    RunReport::new(RunInfo::new("mock"), results, 1)
}

#[test]
fn a_run_where_every_must_scenario_skipped_is_not_conformant() {
    let r = report(vec![
        result("sdk.a", Level::Must, Verdict::Skip),
        result("sdk.b", Level::Should, Verdict::Pass),
    ]);
    assert!(!r.conformant, "all MUST skipped must not be conformant");
    let unmet = Requirements::default().unmet(&r);
    assert!(
        unmet.iter().any(|u| u.contains("no MUST scenario ran")),
        "unmet conditions: {unmet:?}"
    );
}

#[test]
fn a_run_with_a_passing_must_and_no_conditions_meets_them_all() {
    let r = report(vec![
        result("sdk.a", Level::Must, Verdict::Pass),
        result("sdk.b", Level::Must, Verdict::Skip),
    ]);
    assert!(r.conformant);
    assert_eq!(Requirements::default().unmet(&r), Vec::<String>::new());
}

#[test]
fn more_skips_than_max_skips_is_unmet() {
    let r = report(vec![
        result("sdk.a", Level::Must, Verdict::Pass),
        result("sdk.b", Level::Must, Verdict::Skip),
        result("sdk.c", Level::Should, Verdict::Skip),
    ]);
    let within = Requirements::new(Some(2), &[]).unwrap().unmet(&r);
    assert!(
        within.is_empty(),
        "2 skips within --max-skips 2: {within:?}"
    );
    let over = Requirements::new(Some(1), &[]).unwrap().unmet(&r);
    assert_eq!(
        over,
        vec!["2 scenarios skipped, more than --max-skips 1".to_string()]
    );
}

#[test]
fn a_required_scenario_that_skipped_or_xfailed_is_unmet() {
    let r = report(vec![
        result("sdk.lease.a", Level::Must, Verdict::Pass),
        result("sdk.lease.b", Level::Should, Verdict::Skip),
        result("sdk.err.c", Level::Must, Verdict::ExpectedFail),
    ]);
    let unmet = Requirements::new(None, &["sdk.lease.*,sdk.err.c".into()])
        .unwrap()
        .unmet(&r);
    assert_eq!(unmet.len(), 2, "unmet: {unmet:?}");
    assert!(
        unmet[0].contains("sdk.lease.b is SKIP (no capability)"),
        "{unmet:?}"
    );
    assert!(unmet[1].contains("sdk.err.c is XFAIL"), "{unmet:?}");
}

#[test]
fn a_require_glob_matching_no_selected_scenario_is_a_usage_error() {
    let req = Requirements::new(None, &["sdk.lease.*".into(), "gate.nope.*".into()]).unwrap();
    let err = req
        .check_selection(["sdk.lease.a", "sdk.err.b"])
        .unwrap_err();
    assert!(
        err.contains("'gate.nope.*' matches no selected scenario"),
        "{err}"
    );
}

#[test]
fn a_malformed_require_glob_is_a_usage_error_naming_it() {
    let err = Requirements::new(None, &["sdk.[".into()]).unwrap_err();
    assert!(err.starts_with("--require 'sdk.['"), "{err}");
}
