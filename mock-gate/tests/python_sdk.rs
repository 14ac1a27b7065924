//! The published Python SDK (`latchgate` 0.2.0) drives the mock binary end to end.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

fn python() -> Option<PathBuf> {
    let p = std::env::var_os("LATCHGATE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../target/py/latchgate-0.2.0/bin/python")
        });
    if p.exists() {
        return Some(p);
    }
    if std::env::var("LATCHGATE_REQUIRE_PYTHON").as_deref() == Ok("1") {
        panic!(
            "LATCHGATE_REQUIRE_PYTHON=1 but no Python SDK interpreter at {}",
            p.display()
        );
    }
    println!(
        "skipped: no Python SDK venv at {} (run scripts/python-env.sh)",
        p.display()
    );
    None
}

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn python_sdk_0_2_0_runs_every_flow_against_the_mock_binary() {
    let Some(py) = python() else { return };
    let mut gate = Child(
        Command::new(env!("CARGO_BIN_EXE_latchgate-mock"))
            .args([
                "serve",
                "--http",
                "127.0.0.1:0",
                "--admin-http",
                "127.0.0.1:0",
                "--no-rate-limits",
                "--log-format",
                "json",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("mock binary starts"),
    );
    let mut line = String::new();
    BufReader::new(gate.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: Value = serde_json::from_str(&line).expect("ready line is JSON");
    assert_eq!(ready["event"], "ready");
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("operator.pem");
    std::fs::write(&pem, ready["operator"]["private_key_pem"].as_str().unwrap()).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/sdk_e2e.py");
    let out = Command::new(py)
        .arg(script)
        .args([
            ready["url"].as_str().unwrap(),
            ready["admin_url"].as_str().unwrap(),
            ready["operator"]["api_key"].as_str().unwrap(),
            pem.to_str().unwrap(),
            ready["control_token"].as_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let obs: Value = serde_json::from_slice(&out.stdout).expect("observations JSON");
    assert_eq!(obs["session_id_set"], json!(true));
    assert_eq!(
        obs["execute"],
        json!({"receipt_id_set": true, "verification": {"outcome": "verified", "is_fully_successful": true}, "output_ok": true})
    );
    assert_eq!(
        obs["receipt"],
        json!({"same_id": true, "result_hash_len": 64})
    );
    assert_eq!(obs["acl_denied"]["class"], "LatchGateDenied", "{obs}");
    assert!(
        obs["acl_denied"]["str"]
            .as_str()
            .unwrap()
            .contains("not authorised"),
        "{obs}"
    );
    assert_eq!(obs["schema"]["class"], "LatchGateDenied", "{obs}");
    assert_eq!(
        obs["unknown_action"]["class"], "LatchGateUnavailable",
        "404 on execute is 'unexpected status': {obs}"
    );
    assert_eq!(
        obs["budget"]["class"], "LatchGateDenied",
        "exhaustion is policy_denied: {obs}"
    );
    assert!(
        obs["budget"]["str"]
            .as_str()
            .unwrap()
            .contains("budget exhausted"),
        "{obs}"
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
