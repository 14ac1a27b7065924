//! `diff`, `record` and `replay` through the binary: exit 0 when equal, 1 when different, and a
//! clear message with exit 2 on bad input (unknown target, unreachable gate, a corpus recorded
//! from another gate version, a corrupt corpus file).

mod support;

use std::path::Path;
use std::process::Output;
use support::stderr;

fn conformance(args: &[&str]) -> Output {
    support::conformance()
        .args(args)
        .output()
        .expect("the runner starts")
}

fn manifest(version: &str, suite_exchanges: usize) -> String {
    serde_json::json!({
        "format_version": 1,
        "tool": "latchgate-conformance",
        "tool_version": "0.1.0",
        "gate_version": version,
        "seed": 1,
        "explore_cases": 0,
        "clock": false,
        "suite_scenarios": 0,
        "suite_exchanges": suite_exchanges,
        "explore_exchanges": 0,
        "rules": [],
    })
    .to_string()
}

fn corpus(dir: &Path, version: &str, suite: &str, suite_exchanges: usize) {
    std::fs::write(
        dir.join("manifest.json"),
        manifest(version, suite_exchanges),
    )
    .expect("write");
    std::fs::write(dir.join("suite.jsonl"), suite).expect("write");
    std::fs::write(dir.join("explore.jsonl"), "").expect("write");
}

#[test]
fn diff_of_the_mock_with_itself_exits_0() {
    let o = conformance(&[
        "diff",
        "--a",
        "mock",
        "--b",
        "mock",
        "--only",
        "lease.issue.ok",
        "--explore",
        "4",
        "--seed",
        "5",
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr:\n{}", stderr(&o));
}

#[test]
fn diff_of_the_mock_with_a_mutant_exits_1_and_shows_the_exchange() {
    let o = diff_of_the_mock_and_a_mutant(&[]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "stderr:\n{}", stderr(&o));
    assert!(
        out.contains("✗ suite/"),
        "the differing exchange is printed:\n{out}"
    );
}

/// Fails unless `o` exited with `code` and its stderr says `says`.
fn assert_exit(o: &Output, code: i32, says: &str) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr:\n{e}");
    assert!(e.contains(says), "stderr does not say {says:?}:\n{e}");
}

/// `diff` of the mock and a mutant, sorted by a deviations folder holding `toml` (none: empty).
fn diff_with_deviations(toml: Option<&str>) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    if let Some(t) = toml {
        std::fs::write(dir.path().join("deviations.toml"), t).expect("write");
    }
    diff_of_the_mock_and_a_mutant(&["--deviations", dir.path().to_str().expect("utf-8 path")])
}

/// `diff` of the mock and its `skip_acl` mutant on one scenario, plus `extra` options.
fn diff_of_the_mock_and_a_mutant(extra: &[&str]) -> Output {
    let mut args = vec!["diff", "--a", "mock", "--b", "mock:mutant=skip_acl"];
    args.extend(["--only", "exec.policy.denied-body", "--no-reduce"]);
    args.extend(extra);
    conformance(&args)
}

#[test]
fn diff_with_deviations_exits_0_when_a_deviation_explains_every_difference() {
    let o = diff_with_deviations(Some(
        "[[deviation]]\nexchanges = [\"suite/exec.policy.denied-body/*\"]\nparity_row = \"policy\"\nreason = \"test\"\n",
    ));
    assert_exit(
        &o,
        0,
        "(0 unexplained, 2 deliberate deviations, 0 known open)",
    );
}

#[test]
fn diff_with_deviations_exits_1_on_a_difference_no_entry_explains() {
    let o = diff_with_deviations(Some(
        "[[deviation]]\nexchanges = [\"suite/other/*\"]\nparity_row = \"policy\"\nreason = \"test\"\n",
    ));
    assert_exit(
        &o,
        1,
        "(2 unexplained, 0 deliberate deviations, 0 known open)",
    );
}

#[test]
fn diff_with_a_directory_without_deviations_exits_2_naming_it() {
    assert_exit(&diff_with_deviations(None), 2, "no deviations.toml there");
}

#[test]
fn unknown_target_exits_2_naming_it() {
    let o = conformance(&["diff", "--a", "bogus", "--b", "mock"]);
    assert_exit(&o, 2, "'bogus'");
}

#[test]
fn unreachable_gate_exits_2_naming_it() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let url = format!("url:http://127.0.0.1:{port}");
    let o = conformance(&["diff", "--a", &url, "--b", "mock", "--explore", "1"]);
    assert_exit(&o, 2, "unreachable");
}

#[test]
fn corpus_from_another_gate_version_exits_2_naming_both_versions() {
    let dir = tempfile::tempdir().expect("tempdir");
    corpus(dir.path(), "0.1.9", "", 0);
    let o = conformance(&[
        "replay",
        "--corpus",
        dir.path().to_str().unwrap(),
        "--target",
        "mock:lax",
    ]);
    assert_eq!(o.status.code(), Some(2), "stderr:\n{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("gate version 0.1.9") && e.contains("0.2.0"),
        "stderr:\n{e}"
    );
}

#[test]
fn corrupt_corpus_file_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    corpus(
        dir.path(),
        "0.2.0",
        "{\"id\": \"suite/x/0\", \"garbage\n",
        1,
    );
    let o = conformance(&["replay", "--corpus", dir.path().to_str().unwrap()]);
    assert_exit(&o, 2, "suite.jsonl line 1");
}

#[test]
fn record_then_replay_of_the_mock_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("c");
    let rec = conformance(&[
        "record",
        "--target",
        "mock:lax",
        "--out",
        out.to_str().unwrap(),
        "--only",
        "exec.ok.body",
        "--explore",
        "6",
        "--seed",
        "9",
    ]);
    assert_eq!(
        rec.status.code(),
        Some(0),
        "record stderr:\n{}",
        stderr(&rec)
    );
    let manifest = std::fs::read_to_string(out.join("manifest.json")).expect("manifest written");
    assert!(
        !manifest.contains("/tmp/"),
        "no machine path in the manifest:\n{manifest}"
    );
    let rep = conformance(&[
        "replay",
        "--corpus",
        out.to_str().unwrap(),
        "--target",
        "mock:lax",
    ]);
    assert_eq!(
        rep.status.code(),
        Some(0),
        "replay stderr:\n{}\nstdout:\n{}",
        stderr(&rep),
        String::from_utf8_lossy(&rep.stdout)
    );
}
