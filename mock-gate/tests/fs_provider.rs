//! The `builtin:fs` provider against the real gate's fs host (v0.2.0, `fs_io.rs` and the fs
//! provider module): order of checks, error codes and messages, and the `fs_hash` evidence.

mod support;

use latchgate_mock::MockGate;
use serde_json::{json, Value};
use support::{
    fs_gate, fs_read, fs_root_with, fs_write_gate, held_then_approved, sha256_hex, Agent, Op,
};

const README: &str = "# readme\n";

/// A root with `README.md` and `src/old.rs`, and a gate on it that lets `fs_write` be asked.
async fn write_gate() -> (tempfile::TempDir, MockGate) {
    let root = fs_root_with(&[("README.md", README), ("src/old.rs", "old")]);
    let g = fs_write_gate(root.path()).await;
    (root, g)
}

/// Runs `fs_write` with `params` through approval and returns the approve answer.
async fn approved_write(g: &MockGate, params: Value) -> support::Resp {
    held_then_approved(g, "fs_write", &params).await
}

fn write(path: &str, mode: &str) -> Value {
    json!({"operation": "write", "path": path, "content_base64": "aGk=", "mode": mode})
}

#[tokio::test]
async fn read_evidence_carries_prefixed_hashes_and_the_requested_path() {
    let root = fs_root_with(&[("README.md", README)]);
    let g = fs_gate(root.path()).await;
    let a = Agent::new();
    let l = a.lease(&g).await;
    let r = a.execute(&g, &l, "fs_read", &fs_read("README.md")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let rc = a.receipt_of(&g, &l, &r).await;
    let evidence = rc.json()["verification_outcome"]["evidence"].to_string();
    assert_eq!(
        evidence,
        r#"{"after_hash":"sha256:4b2b418bbeeb44157535c731f489f6e1dc506a2acd39171ca9afef9f5d17aa7d","before_hash":null,"bytes_after":9,"bytes_before":0,"host_corroborated":true,"operation":"read","path":"README.md"}"#,
        "fs_hash evidence renders digests as sha256:<hex> (the verifier's sha256_hex)"
    );
}

#[tokio::test]
async fn overwrite_evidence_has_both_prefixed_hashes() {
    let (_root, g) = write_gate().await;
    let ok = approved_write(&g, write("src/old.rs", "overwrite")).await;
    assert_eq!(ok.status, 200, "approve: {}", ok.text());
    let rid = ok.member("receipt_id");
    let rc = Op::of(&g).get(&g, &format!("/v1/receipts/{rid}")).await;
    let ev = &rc.json()["verification_outcome"]["evidence"];
    assert_eq!(ev["operation"], json!("overwrite"), "{ev}");
    assert_eq!(
        ev["before_hash"],
        json!(format!("sha256:{}", sha256_hex(b"old"))),
        "before_hash is the prefixed digest of the old content"
    );
    assert_eq!(
        ev["after_hash"],
        json!(format!("sha256:{}", sha256_hex(b"hi")))
    );
    assert_eq!(ev["bytes_before"], json!(3));
    assert_eq!(ev["bytes_after"], json!(2));
}

/// A failed fs effect leaves no host evidence, so the high-risk `fs_write` fails verification
/// and the approve answer is the gate's 500.
fn assert_failed_high_risk(r: &support::Resp) {
    assert_eq!(
        (r.status, r.text().as_str()),
        (500, r#"{"error":"internal_error"}"#),
        "a provider error on fs_write fails the approval"
    );
}

/// Approves a write of `path` in `mode` that the provider refuses; asserts the approval fails
/// and `absent` is still not in the root (`why` says why it must not be).
async fn assert_refused_write_leaves_absent(path: &str, mode: &str, absent: &str, why: &str) {
    let (root, g) = write_gate().await;
    let r = approved_write(&g, write(path, mode)).await;
    assert_failed_high_risk(&r);
    assert!(!root.path().join(absent).exists(), "{why}");
}

#[tokio::test]
async fn overwrite_of_a_missing_file_writes_nothing() {
    assert_refused_write_leaves_absent(
        "src/missing.rs",
        "overwrite",
        "src/missing.rs",
        "overwrite opens the file without creating it (path_not_found)",
    )
    .await;
}

#[tokio::test]
async fn create_needs_an_existing_parent_directory() {
    assert_refused_write_leaves_absent(
        "src/deep/new.rs",
        "create",
        "src/deep",
        "create opens the parent directory, it does not make it (path_not_found)",
    )
    .await;
}

#[tokio::test]
async fn failed_high_risk_verification_is_reported_as_grant_integrity() {
    let (_root, g) = write_gate().await;
    let a = Agent::new();
    let l = a.lease(&g).await;
    let held = a
        .execute(&g, &l, "fs_write", &write("src/missing.rs", "overwrite"))
        .await;
    let id = held.member("approval_id");
    let r = Op::of(&g).approve(&g, &id).await;
    assert_failed_high_risk(&r);
    let poll = a.poll(&g, &l, &id).await;
    assert_eq!(
        poll.text(),
        r#"{"status":"failed","reason":"grant integrity: verifier failed for high-risk action — execution denied"}"#,
        "the failure text is the Display of the gate's GrantIntegrity error"
    );
}
