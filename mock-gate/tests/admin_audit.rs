//! Operator changes through the admin CRUD routes land in the audit ledger as the gate writes
//! them: one `allow` event per change, principal and session = operator id, the detail text in
//! `deny_reason`.

mod support;

use latchgate_mock::MockGate;
use serde_json::{json, Value};
use support::{audit_events, gate, Op};

/// The `deny_reason` of the only event of `event_type`, after checking its attribution.
async fn detail_of(g: &MockGate, event_type: &str) -> String {
    let evs = audit_events(g, &format!("?event_type={event_type}")).await;
    assert_eq!(evs.len(), 1, "{event_type} events: {evs:?}");
    let who = json!(g.operator_credentials().id);
    let ev = &evs[0];
    assert_eq!(
        (&ev["principal"], &ev["session_id"], &ev["decision"]),
        (&who, &who, &json!("allow")),
        "{event_type} attribution"
    );
    ev["deny_reason"].as_str().unwrap_or_default().to_string()
}

/// Asserts the detail of each `(event_type, detail)`.
async fn assert_details(g: &MockGate, cases: &[(&str, &str)]) {
    for (event_type, want) in cases {
        assert_eq!(detail_of(g, event_type).await, *want, "{event_type} detail");
    }
}

async fn ok(g: &MockGate, method: &str, path: &str, body: Value) {
    let r = Op::of(g).json(g, method, path, body).await;
    assert_eq!(r.status, 200, "{method} {path}: {}", r.text());
}

/// On a fresh gate, `POST` then `DELETE` of `entry` at `path`, both answered 200.
async fn added_then_removed(path: &str, entry: Value) -> MockGate {
    let g = gate().await;
    ok(&g, "POST", path, entry.clone()).await;
    ok(&g, "DELETE", path, entry).await;
    g
}

#[tokio::test]
async fn domain_add_remove_and_clear_are_audited_with_the_gate_detail() {
    let entry = json!({"action_id": "http_fetch", "domain": "example.org"});
    let g = added_then_removed("/v1/admin/domains", entry).await;
    let clear = "/v1/admin/domains/clear?action=http_fetch";
    let r = Op::of(&g).call(&g, "DELETE", clear, b"", &[]).await;
    assert_eq!(r.status, 200, "clear: {}", r.text());
    let cases = [
        (
            "domain_add",
            "action=http_fetch domain=example.org inserted=true",
        ),
        (
            "domain_remove",
            "action=http_fetch domain=example.org deleted=true",
        ),
        ("domain_clear", "action=http_fetch deleted_count=0"),
    ];
    assert_details(&g, &cases).await;
}

#[tokio::test]
async fn path_add_is_audited_with_the_path_glob_key() {
    let g = gate().await;
    let entry = json!({"action_id": "fs_read", "path_glob": "notes/**"});
    ok(&g, "POST", "/v1/admin/paths", entry).await;
    let want = "action=fs_read path_glob=notes/** inserted=true";
    assert_details(&g, &[("path_add", want)]).await;
}

#[tokio::test]
async fn grant_and_revoke_are_audited_with_principal_actions_and_count() {
    let g = gate().await;
    let body = json!({"principal": "agent:ci", "actions": ["http_post", "fs_read"]});
    ok(&g, "POST", "/v1/admin/policy/grant", body).await;
    let body = json!({"principal": "agent:ci", "actions": ["http_post"]});
    ok(&g, "POST", "/v1/admin/policy/revoke", body).await;
    let cases = [
        (
            "policy_grant",
            "principal=agent:ci actions=http_post,fs_read total=2",
        ),
        (
            "policy_revoke",
            "principal=agent:ci actions=http_post remaining=1",
        ),
    ];
    assert_details(&g, &cases).await;
}

#[tokio::test]
async fn allowlist_add_and_remove_are_audited() {
    let entry = json!({"action_id": "http_post", "agent_id": "agent:ci"});
    let g = added_then_removed("/v1/admin/policy/allowlist", entry).await;
    let detail = "action_id=http_post agent_id=agent:ci";
    let cases = [
        ("policy_allowlist_added", detail),
        ("policy_allowlist_removed", detail),
    ];
    assert_details(&g, &cases).await;
}

#[tokio::test]
async fn a_rejected_change_writes_no_event() {
    let g = gate().await;
    let bad = json!({"action_id": "http_fetch", "domain": "*"});
    let r = Op::of(&g).json(&g, "POST", "/v1/admin/domains", bad).await;
    assert_eq!(r.status, 400, "invalid domain: {}", r.text());
    let evs = audit_events(&g, "?event_type=domain_add").await;
    assert!(evs.is_empty(), "no domain_add event expected: {evs:?}");
}
