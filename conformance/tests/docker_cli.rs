//! `--target docker:IMAGE` when no Docker engine is reachable (DOCKER_HOST points nowhere): every
//! scenario is skipped with the reason and the run fails (exit 1: nothing was checked), or, when
//! Docker is required, the run is refused (exit 2). Needs no Docker.

mod support;

use std::process::Output;

fn run_without_docker(extra: &[&str], require_env: bool) -> (Output, serde_json::Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("report.json");
    let mut cmd = support::conformance();
    cmd.args([
        "run",
        "--target",
        "docker:latchgate-mock:latest",
        "--only",
        "lease.issue.ok,exec.ok.body",
    ])
    .arg("--json")
    .arg(&json)
    .args(extra)
    .env(
        "DOCKER_HOST",
        format!("unix://{}/no-docker.sock", dir.path().display()),
    )
    .env_remove("LATCHGATE_REQUIRE_DOCKER");
    if require_env {
        cmd.env("LATCHGATE_REQUIRE_DOCKER", "1");
    }
    let out = cmd.output().expect("runner starts");
    let report = std::fs::read_to_string(&json)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    (out, report)
}

/// Fails unless the run was refused (exit 2) with `needle` in its message.
fn assert_refused(out: &Output, needle: &str, problem: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exit code; stderr:\n{stderr}");
    assert!(stderr.contains(needle), "{problem}:\n{stderr}");
}

#[test]
fn docker_target_without_engine_skips_every_scenario_loudly_and_fails() {
    let (out, report) = run_without_docker(&[], false);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Nothing was checked: a run in which no MUST scenario ran is not a pass.
    assert_eq!(out.status.code(), Some(1), "exit code; stderr:\n{stderr}");
    assert!(
        stderr.contains("FAILED: no MUST scenario ran (2 skipped)"),
        "no verdict reason in:\n{stderr}"
    );
    assert!(
        stderr.contains("SKIPPING every scenario"),
        "no loud skip notice in:\n{stderr}"
    );
    let results = report["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 2, "results in the JSON report: {report}");
    for r in &results {
        assert_eq!(r["verdict"], "skip", "verdict of {}", r["id"]);
        let reason = r["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("Docker engine"),
            "skip reason of {}: {reason}",
            r["id"]
        );
    }
}

#[test]
fn docker_target_without_engine_is_an_error_with_require_docker() {
    let (out, _) = run_without_docker(&["--require-docker"], false);
    assert_refused(&out, "Docker is required", "stderr does not say why");
}

#[test]
fn docker_target_without_engine_is_an_error_with_the_require_env() {
    let (out, _) = run_without_docker(&[], true);
    assert_refused(
        &out,
        "LATCHGATE_REQUIRE_DOCKER",
        "stderr does not name the switch",
    );
}
