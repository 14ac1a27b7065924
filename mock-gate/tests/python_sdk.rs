//! The published Python SDK (`latchgate` 0.2.0) drives the mock binary end to end.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use support::Served;

#[path = "../../client/tests/support/python_env.rs"]
mod python_env;

fn python() -> Option<PathBuf> {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    python_env::python_or_skip(&workspace, "python_sdk")
}

/// Runs `tests/python/sdk_e2e.py` with `py` against the served gate; the observations it
/// prints.
fn observations(py: &Path, served: &Served) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("operator.pem");
    std::fs::write(&pem, served.ready_str("/operator/private_key_pem")).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/sdk_e2e.py");
    let out = Command::new(py)
        .arg(script)
        .args([
            served.ready_str("/url"),
            served.ready_str("/admin_url"),
            served.ready_str("/operator/api_key"),
            pem.to_str().unwrap(),
            served.ready_str("/control_token"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("observations JSON")
}

/// Asserts the observation `key` is an exception of `class` whose text contains `needle`.
fn assert_raised(obs: &Value, key: &str, class: &str, needle: &str, why: &str) {
    assert_eq!(obs[key]["class"], class, "{key}: {why}: {obs}");
    let text = obs[key]["str"].as_str().unwrap_or_default();
    assert!(text.contains(needle), "{key} text lacks {needle:?}: {obs}");
}

#[test]
fn python_sdk_0_2_0_runs_every_flow_against_the_mock_binary() {
    let Some(py) = python() else { return };
    let served = Served::on_loopback(&["--no-rate-limits", "--log-format", "json"], &[]);
    assert_eq!(served.ready["event"], "ready");
    let obs = observations(&py, &served);
    assert_eq!(obs["session_id_set"], json!(true));
    assert_eq!(
        obs["execute"],
        json!({"receipt_id_set": true, "verification": {"outcome": "verified", "is_fully_successful": true}, "output_ok": true})
    );
    assert_eq!(
        obs["receipt"],
        json!({"same_id": true, "result_hash_len": 64})
    );
    assert_raised(
        &obs,
        "acl_denied",
        "LatchGateDenied",
        "not authorised",
        "ACL",
    );
    assert_eq!(obs["schema"]["class"], "LatchGateDenied", "{obs}");
    assert_eq!(
        obs["unknown_action"]["class"], "LatchGateUnavailable",
        "404 on execute is 'unexpected status': {obs}"
    );
    assert_raised(
        &obs,
        "budget",
        "LatchGateDenied",
        "budget exhausted",
        "exhaustion is policy_denied",
    );
    assert_eq!(obs["pending"], json!({"status": "pending"}));
    assert_eq!(obs["approve"], json!({"code": 200, "decision": "executed"}));
    assert_eq!(
        obs["approved"],
        json!({"status": "approved", "receipt_matches": true})
    );
    assert_eq!(
        obs["denied"],
        json!({"code": 200, "status": "denied", "reason": "not today"})
    );
    assert_eq!(obs["unavailable"]["class"], "LatchGateUnavailable", "{obs}");
    assert_eq!(obs["expired"]["class"], "LatchGateLeaseExpired", "{obs}");
}
