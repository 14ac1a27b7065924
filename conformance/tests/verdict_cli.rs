//! Skips are visible in the exit code: a run in which no MUST scenario ran fails, `--max-skips`
//! bounds the skips, `--require` names scenarios that must run and pass, and a driver answering
//! `Unsupported` to a required command fails the scenario instead of skipping it.

mod support;

/// A driver declaring no capability; it answers `Unsupported` to every command after hello.
const NO_CAPABILITIES: &str = r#"read -r l
echo '{"id":1,"ok":{"protocol":1,"sdk":{"name":"bare","version":"0.0.0"},"capabilities":[]}}'
while read -r l; do
  [[ $l =~ \"id\":([0-9]+) ]] && id=${BASH_REMATCH[1]}
  echo "{\"id\":$id,\"error\":{\"kind\":\"Unsupported\"}}"
done
"#;

fn run(args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("driver.sh");
    std::fs::write(&script, NO_CAPABILITIES).expect("driver script");
    let out = support::conformance()
        .arg("run")
        .arg("--sdk")
        .arg(format!("cmd:bash {}", script.display()))
        .args(args)
        .output()
        .expect("runner starts");
    (out.status.code(), support::stderr(&out))
}

/// Runs with whitespace-separated `args`; the exit code must be `code` and stderr must contain
/// `says`.
fn assert_exit(args: &str, code: i32, says: &str) {
    let (got, stderr) = run(&args.split_whitespace().collect::<Vec<_>>());
    assert_eq!(
        got,
        Some(code),
        "exit code of `run {args}`; stderr:\n{stderr}"
    );
    assert!(
        stderr.contains(says),
        "stderr should say {says:?}:\n{stderr}"
    );
}

#[test]
fn a_run_in_which_every_must_scenario_skipped_exits_1() {
    let says = "FAILED: no MUST scenario ran (1 skipped)";
    assert_exit("--only sdk.egr.shapes", 1, says);
}

#[test]
fn more_skips_than_max_skips_exits_1_and_within_it_exits_0() {
    let only = "--only lease.issue.ok,sdk.egr.shapes";
    assert_exit(&format!("{only} --max-skips 1"), 0, "");
    let says = "FAILED: 1 scenarios skipped, more than --max-skips 0";
    assert_exit(&format!("{only} --max-skips 0"), 1, says);
}

#[test]
fn a_required_scenario_that_skipped_exits_1() {
    let says = "FAILED: --require 'sdk.egr.*': sdk.egr.shapes is SKIP";
    assert_exit(
        "--only lease.issue.ok,sdk.egr.shapes --require sdk.egr.*",
        1,
        says,
    );
}

#[test]
fn required_scenarios_that_pass_exit_0() {
    assert_exit(
        "--suite gate --only lease.issue.ok --require lease.issue.ok",
        0,
        "",
    );
}

#[test]
fn a_require_glob_matching_no_selected_scenario_exits_2() {
    let says = "--require 'sdk.*' matches no selected scenario";
    assert_exit(
        "--suite gate --only lease.issue.ok --require sdk.*",
        2,
        says,
    );
}

#[test]
fn unsupported_answers_to_required_commands_fail_the_scenario() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("report.json");
    let (code, stderr) = run(&[
        "--only",
        "sdk.lease.request-shape",
        "--json",
        json.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(code, Some(1), "exit code; stderr:\n{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("report written"))
            .expect("JSON");
    let r = &report["results"][0];
    assert_eq!(r["verdict"], "fail", "{r}");
    assert!(
        r["reason"].as_str().unwrap_or_default().contains(
            "answered Unsupported to `new_client`, a command every driver must implement"
        ),
        "{r}"
    );
}
