//! The driver kit: `--driver-transcript` records every exchange, every ok result follows
//! fixtures/schemas/driver-results.schema.json, and the example Node.js driver
//! (conformance/drivers/node/) passes the SDK suite's core MUST scenarios against the mock with
//! its expected-failures file. The Node tests print a skip reason when `node` is missing, unless
//! LATCHGATE_REQUIRE_NODE is on (CI; the reading of client/tests/support/python_env.rs).

mod support;

#[path = "../../client/tests/support/python_env.rs"]
mod python_env;

use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn runner(args: &[&str]) -> Output {
    support::conformance()
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("runner starts")
}

fn read_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("transcript written")
        .lines()
        .map(|l| serde_json::from_str(l).expect("every transcript line is JSON"))
        .collect()
}

/// Problems with a transcript: lines without timestamp/scenario, ok results that violate the
/// result schema of their command, answers without a command.
fn transcript_problems(lines: &[Value]) -> Vec<String> {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("fixtures/schemas/driver-results.schema.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("result schema compiles");
    let mut sent: HashMap<(u64, u64), String> = HashMap::new();
    let mut problems = Vec::new();
    for l in lines {
        let (session, msg) = (l["session"].as_u64().unwrap_or(0), &l["msg"]);
        let id = msg["id"].as_u64().unwrap_or(0);
        // Only the runner's first hello, before any scenario, belongs to no scenario.
        let startup = msg["cmd"] == "hello" || (id == 1 && msg.get("ok").is_some());
        if l["ts"].as_str().is_none() || (l["scenario"].as_str().is_none() && !startup) {
            problems.push(format!("line without ts or scenario: {l}"));
        }
        match l["dir"].as_str() {
            Some("runner→driver") => {
                sent.insert(
                    (session, id),
                    msg["cmd"].as_str().unwrap_or("?").to_string(),
                );
            }
            Some("driver→runner") if msg.get("ok").is_some() => {
                let Some(cmd) = sent.get(&(session, id)) else {
                    problems.push(format!("answer without a command: {l}"));
                    continue;
                };
                let instance = json!({"cmd": cmd, "result": msg["ok"]});
                problems.extend(
                    validator
                        .iter_errors(&instance)
                        .map(|e| format!("{cmd}: {e} at {}", e.instance_path())),
                );
            }
            _ => {}
        }
    }
    problems
}

#[test]
fn rust_driver_transcript_records_both_directions_and_results_follow_the_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("nested/transcript.jsonl");
    let out = runner(&[
        "run",
        "--suite",
        "sdk",
        "--sdk",
        "rust",
        "--driver-transcript",
        t.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = read_lines(&t);
    let scenarios: std::collections::BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| l["scenario"].as_str())
        .collect();
    assert!(
        scenarios.contains("sdk.lease.request-shape"),
        "scenario ids missing: {scenarios:?}"
    );
    for dir in ["runner→driver", "driver→runner"] {
        assert!(lines.iter().any(|l| l["dir"] == dir), "no {dir} line");
    }
    let problems = transcript_problems(&lines);
    assert!(
        problems.is_empty(),
        "{} problems, first: {:?}",
        problems.len(),
        &problems[..problems.len().min(5)]
    );
}

fn node_available() -> bool {
    let found = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            !python_env::switch_on("LATCHGATE_REQUIRE_NODE"),
            "LATCHGATE_REQUIRE_NODE is on but `node` cannot be run"
        );
        eprintln!("SKIPPED: `node` (Node.js 20+) is not on PATH; set LATCHGATE_REQUIRE_NODE=1 to make this a failure");
    }
    found
}

/// Scenarios the example SDK must pass: lease, DPoP, execute, receipts, errors.
const CORE: &[&str] = &[
    "sdk.key.fresh-per-lease",
    "sdk.key.jwk-members",
    "sdk.lease.request-shape",
    "sdk.lease.body-members",
    "sdk.lease.default-scopes",
    "sdk.lease.empty-scopes",
    "sdk.lease.budget-invalid",
    "sdk.conn.lazy-connect",
    "sdk.conn.renews-short-lease",
    "sdk.conn.renewal-same-params",
    "sdk.dpop.header-exact",
    "sdk.dpop.payload-exact",
    "sdk.dpop.htm-upper",
    "sdk.dpop.htu-normalised",
    "sdk.dpop.ath",
    "sdk.dpop.signature-raw",
    "sdk.dpop.fresh-jti",
    "sdk.dpop.authorization-format",
    "sdk.dpop.deny-reason-surfaced",
    "sdk.id.invalid-rejected",
    "sdk.req.body-is-params",
    "sdk.body.decision-not-executed",
    "sdk.appr.required",
    "sdk.rcpt.fetch",
    "sdk.rcpt.members",
    "sdk.rcpt.fully-successful",
    "sdk.err.exec-status-mapping",
    "sdk.err.code-extraction",
    "sdk.err.non-object-bodies",
    "sdk.err.reason",
    "sdk.err.budget-via-policy",
    "sdk.net.no-redirect",
    "sdk.life.close",
];

#[test]
fn node_example_driver_passes_the_core_scenarios_with_its_expected_failures() {
    if !node_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (json, t) = (dir.path().join("node.json"), dir.path().join("node.jsonl"));
    let out = runner(&[
        "run",
        "--suite",
        "sdk",
        "--sdk",
        "cmd:node conformance/drivers/node/driver.mjs",
        "--expected-failures",
        "conformance/expected-failures/node-example.txt",
        "--json",
        json.to_str().unwrap(),
        "--driver-transcript",
        t.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "unexpected verdicts:\n{stderr}");
    assert!(
        !stderr.contains("XPASS"),
        "an expected failure now passes; update node-example.txt:\n{stderr}"
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let verdict = |id: &str| {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["verdict"].clone())
    };
    let not_passing: Vec<String> = CORE
        .iter()
        .filter(|id| verdict(id) != Some(json!("pass")))
        .map(|id| format!("{id}: {:?}", verdict(id)))
        .collect();
    assert!(
        not_passing.is_empty(),
        "core scenarios not passing: {not_passing:?}"
    );
    let problems = transcript_problems(&read_lines(&t));
    assert!(
        problems.is_empty(),
        "driver results violate the schemas: {problems:?}"
    );
}

#[test]
fn a_driver_path_with_spaces_runs_when_quoted() {
    if !node_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let spaced = dir.path().join("my drivers");
    std::fs::create_dir_all(&spaced).unwrap();
    for f in ["driver.mjs", "latchgate.mjs"] {
        std::fs::copy(
            workspace().join("conformance/drivers/node").join(f),
            spaced.join(f),
        )
        .unwrap();
    }
    let sdk = format!("cmd:node '{}'", spaced.join("driver.mjs").display());
    let out = runner(&[
        "run",
        "--suite",
        "sdk",
        "--only",
        "sdk.lease.request-shape",
        "--sdk",
        &sdk,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("PASS  MUST   sdk  sdk.lease.request-shape"),
        "{stderr}"
    );
}
