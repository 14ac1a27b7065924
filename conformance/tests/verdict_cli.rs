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

/// Whitespace-separated arguments.
fn words(args: &str) -> Vec<&str> {
    args.split_whitespace().collect()
}

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

#[test]
fn a_run_in_which_every_must_scenario_skipped_exits_1() {
    let (code, stderr) = run(&words("--only sdk.egr.shapes"));
    assert_eq!(code, Some(1), "exit code; stderr:\n{stderr}");
    assert!(
        stderr.contains("FAILED: no MUST scenario ran (1 skipped)"),
        "stderr:\n{stderr}"
    );
}

#[test]
fn more_skips_than_max_skips_exits_1_and_within_it_exits_0() {
    let (code, stderr) = run(&words("--only lease.issue.ok,sdk.egr.shapes --max-skips 1"));
    assert_eq!(
        code,
        Some(0),
        "one skip within --max-skips 1; stderr:\n{stderr}"
    );
    let (code, stderr) = run(&words("--only lease.issue.ok,sdk.egr.shapes --max-skips 0"));
    assert_eq!(
        code,
        Some(1),
        "one skip over --max-skips 0; stderr:\n{stderr}"
    );
    assert!(
        stderr.contains("FAILED: 1 scenarios skipped, more than --max-skips 0"),
        "stderr:\n{stderr}"
    );
}

#[test]
fn a_required_scenario_that_skipped_exits_1() {
    let (code, stderr) = run(&words(
        "--only lease.issue.ok,sdk.egr.shapes --require sdk.egr.*",
    ));
    assert_eq!(code, Some(1), "exit code; stderr:\n{stderr}");
    assert!(
        stderr.contains("FAILED: --require 'sdk.egr.*': sdk.egr.shapes is SKIP"),
        "stderr:\n{stderr}"
    );
}

#[test]
fn required_scenarios_that_pass_exit_0() {
    let (code, stderr) = run(&words(
        "--suite gate --only lease.issue.ok --require lease.issue.ok",
    ));
    assert_eq!(code, Some(0), "exit code; stderr:\n{stderr}");
}

#[test]
fn a_require_glob_matching_no_selected_scenario_exits_2() {
    let (code, stderr) = run(&words("--suite gate --only lease.issue.ok --require sdk.*"));
    assert_eq!(code, Some(2), "exit code; stderr:\n{stderr}");
    assert!(
        stderr.contains("--require 'sdk.*' matches no selected scenario"),
        "stderr:\n{stderr}"
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
