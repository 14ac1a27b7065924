//! Report options of `run`, end to end through the binary: paths checked and folders created
//! before the run, `--json -`, `--quiet`, `--color`, JUnit details, `explain` and `report`.

mod support;

use std::path::Path;
use std::process::Output;

fn runner(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = support::conformance();
    cmd.args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("runner starts")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

const TWO: &[&str] = &[
    "run",
    "--suite",
    "gate",
    "--only",
    "lease.issue.ok,dpop.typ.jwt",
];

#[test]
fn a_junit_report_under_a_missing_folder_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("target/reports/x.xml");
    let out = runner(&[TWO, &["--junit", p(&junit)]].concat(), &[]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", text(&out.stderr));
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file exists");
    assert!(xml.contains("<testcase name=\"lease.issue.ok\""), "{xml}");
}

#[test]
fn an_unwritable_report_path_is_exit_2_before_any_scenario_runs() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let json = blocker.join("report.json");
    let out = runner(&[TWO, &["--json", p(&json)]].concat(), &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr:\n{stderr}");
    assert!(
        stderr.contains("--json") && stderr.contains("a-file"),
        "the message names the flag and path: {stderr}"
    );
    assert!(
        !stderr.contains("lease.issue.ok"),
        "a scenario ran before the error:\n{stderr}"
    );
}

#[test]
fn json_dash_writes_the_report_to_stdout_and_the_live_view_to_stderr() {
    let out = runner(&[TWO, &["--json", "-"]].concat(), &[]);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is exactly the JSON report");
    assert_eq!(report["results"].as_array().map(Vec::len), Some(2));
    assert!(
        text(&out.stderr).contains("PASS"),
        "the live view is on stderr"
    );
}

#[test]
fn quiet_prints_failures_and_the_summary_only() {
    let dir = tempfile::tempdir().unwrap();
    let xf = dir.path().join("xf.txt");
    std::fs::write(&xf, "dpop.typ.jwt  # listed although it passes\n").unwrap();
    let out = runner(
        &[TWO, &["--quiet", "--expected-failures", p(&xf)]].concat(),
        &[],
    );
    let stderr = text(&out.stderr);
    for (needle, shown, problem) in [
        ("XPASS", true, "the failing line is missing"),
        ("dpop.typ.jwt", true, "the failing line is missing"),
        ("lease.issue.ok", false, "a passing scenario was printed"),
        ("MUST ", true, "the summary is missing"),
    ] {
        assert_eq!(stderr.contains(needle), shown, "{problem}:\n{stderr}");
    }
}

#[test]
fn color_always_paints_and_never_does_not() {
    let always = text(&runner(&[TWO, &["--color", "always"]].concat(), &[]).stderr);
    let never = text(
        &runner(
            &[TWO, &["--color", "never"]].concat(),
            &[("CLICOLOR_FORCE", "1")],
        )
        .stderr,
    );
    assert!(
        always.contains("\x1b[32m"),
        "no colour with --color always:\n{always}"
    );
    assert!(
        !never.contains('\x1b'),
        "colour with --color never:\n{never}"
    );
}

#[test]
fn clicolor_force_paints_a_pipe_unless_no_color_is_set() {
    let forced = text(&runner(TWO, &[("CLICOLOR_FORCE", "1")]).stderr);
    let vetoed = text(&runner(TWO, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).stderr);
    assert!(
        forced.contains('\x1b'),
        "CLICOLOR_FORCE=1 did not colour:\n{forced}"
    );
    assert!(!vetoed.contains('\x1b'), "NO_COLOR did not win:\n{vetoed}");
}

#[test]
fn junit_marks_should_failures_and_carries_evidence_and_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let (xf, junit) = (dir.path().join("xf.txt"), dir.path().join("r.xml"));
    std::fs::write(
        &xf,
        "dpop.claims.extra-ignored  # listed although it passes\n",
    )
    .unwrap();
    let out = runner(
        &[
            "run",
            "--suite",
            "gate",
            "--only",
            "dpop.claims.extra-ignored,lease.issue.ok",
            "--expected-failures",
            p(&xf),
            "--junit",
            p(&junit),
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "a SHOULD failure does not fail the run:\n{}",
        text(&out.stderr)
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    for (needle, missing) in [
        ("type=\"SHOULD\"", "the SHOULD failure is not typed"),
        (
            "<property name=\"level\" value=\"SHOULD\"/>",
            "no level property",
        ),
        ("<system-out>", "no system-out with the evidence"),
        ("timestamp=\"", "no timestamps"),
    ] {
        assert!(xml.contains(needle), "{missing}:\n{xml}");
    }
}

#[test]
fn explain_prints_the_requirement_and_how_to_fix() {
    let out = runner(&["explain", "sdk.dpop.fresh-jti"], &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.contains("C-DPOP-07 (MUST") && stdout.contains("How to fix:"),
        "{stdout}"
    );
}

#[test]
fn explain_of_an_unknown_id_suggests_and_exits_2() {
    let out = runner(&["explain", "sdk.dpop.fresh-jit"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean: sdk.dpop.fresh-jti"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn report_renders_two_json_reports_as_a_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new, html) = (
        dir.path().join("old.json"),
        dir.path().join("new.json"),
        dir.path().join("out/r.html"),
    );
    runner(
        &[
            "run",
            "--suite",
            "gate",
            "--only",
            "lease.issue.ok",
            "--json",
            p(&old),
        ],
        &[],
    );
    runner(&[TWO, &["--json", p(&new)]].concat(), &[]);
    let out = runner(
        &["report", "--html", p(&html), "--compare", p(&old), p(&new)],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("<tr class=\"diff change-new\"><td>new</td><td><code>dpop.typ.jwt</code>"),
        "the scenario only in the new run is not listed as new"
    );
}

#[test]
fn baseline_without_html_is_a_usage_error() {
    let out = runner(&[TWO, &["--baseline", "old.json"]].concat(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--html"),
        "{}",
        text(&out.stderr)
    );
}
