//! `/v1/admin/policy*`: ACL views, grant/revoke and the explicit allowlist, and their effect
//! on execute. Bodies byte-compared with the real gate's (sorted keys).

mod support;

use latchgate_mock::MockGate;
use serde_json::{json, Value};
use support::{
    assert_execute_status, burst, execute_fresh as execute, first_429, gate, one_token_gate, send,
    Op, Resp, Target,
};

const JSON: (&str, &str) = ("content-type", "application/json");
const ANON: &str = "dev:anonymous";
const ALLOWLIST: &str = "/v1/admin/policy/allowlist";

/// Asserts an `http_post` by `dev:anonymous` is answered `status`.
async fn assert_post(g: &MockGate, status: u16, why: &str) {
    let body = json!({"url": "https://httpbin.org/post", "body": "{}"});
    assert_execute_status(g, "http_post", &body, status, why).await;
}

/// Grants or revokes `http_post` for `dev:anonymous`.
async fn edit_post(g: &MockGate, verb: &str) -> Resp {
    let path = format!("/v1/admin/policy/{verb}");
    Op::of(g)
        .json(g, "POST", &path, grant_body(&["http_post"]))
        .await
}

fn grant_body(actions: &[&str]) -> Value {
    json!({"principal": ANON, "actions": actions})
}

#[tokio::test]
async fn show_policy_lists_version_and_acl_with_sorted_keys() {
    let g = gate().await;
    let r = Op::of(&g).get(&g, "/v1/admin/policy").await;
    insta::assert_snapshot!(r.text(), @r#"{"acl":{"*":{"allowed_actions":["fs_read","http_fetch"],"allowed_sinks":["fs_read","http_read"]}},"policy_version":"quickstart-init"}"#);
}

#[tokio::test]
async fn show_principal_returns_its_entry() {
    let g = gate().await;
    let r = Op::of(&g).get(&g, "/v1/admin/policy/*").await;
    insta::assert_snapshot!(r.text(), @r#"{"acl":{"allowed_actions":["fs_read","http_fetch"],"allowed_sinks":["fs_read","http_read"]},"principal":"*"}"#);
}

#[tokio::test]
async fn unknown_principal_is_404_principal_not_found() {
    let g = gate().await;
    let r = Op::of(&g).get(&g, "/v1/admin/policy/nobody").await;
    let want = r#"{"error":"principal_not_found","principal":"nobody"}"#;
    r.assert_is(404, want, "GET of an unknown principal");
}

#[tokio::test]
async fn grant_lets_a_denied_principal_call_the_action_and_bumps_the_version() {
    let g = gate().await;
    assert_post(&g, 403, "denied before the grant").await;
    let r = edit_post(&g, "grant").await;
    insta::assert_snapshot!(r.text(), @r#"{"allowed_sinks":["http_write"],"granted":["http_post"],"principal":"dev:anonymous","total_actions":1}"#);
    assert_post(&g, 200, "granted action runs").await;
    let p = Op::of(&g).get(&g, "/v1/admin/policy").await.json();
    assert_eq!(p["policy_version"], json!("quickstart-init-1"));
}

#[tokio::test]
async fn revoke_removes_the_grant_and_the_emptied_principal() {
    let g = gate().await;
    edit_post(&g, "grant").await;
    let r = edit_post(&g, "revoke").await;
    insta::assert_snapshot!(r.text(), @r#"{"allowed_sinks":[],"principal":"dev:anonymous","principal_removed":true,"remaining_actions":0,"revoked":["http_post"]}"#);
    assert_post(&g, 403, "revoked action is denied again").await;
    assert_eq!(
        Op::of(&g)
            .get(&g, "/v1/admin/policy/dev:anonymous")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn revoke_of_an_unknown_principal_is_200_and_changes_nothing() {
    let g = gate().await;
    let r = edit_post(&g, "revoke").await;
    insta::assert_snapshot!(r.text(), @r#"{"allowed_sinks":[],"principal":"dev:anonymous","principal_removed":false,"remaining_actions":0,"revoked":["http_post"]}"#);
    let p = Op::of(&g).get(&g, "/v1/admin/policy").await.json();
    assert_eq!(
        p["policy_version"],
        json!("quickstart-init"),
        "no version bump"
    );
}

#[tokio::test]
async fn grant_rejects_unknown_and_malformed_actions_and_empty_lists() {
    let g = gate().await;
    for (actions, want) in [
        (
            vec!["http_post", "nope"],
            r#"{"error":"unknown_action","action_id":"nope"}"#,
        ),
        (
            vec!["a b"],
            r#"{"error":"invalid_action_id","detail":"action_id must contain only [a-zA-Z0-9_-]"}"#,
        ),
        (
            vec![],
            r#"{"error":"empty_actions","detail":"at least one action required"}"#,
        ),
    ] {
        let r = Op::of(&g)
            .json(&g, "POST", "/v1/admin/policy/grant", grant_body(&actions))
            .await;
        r.assert_is(400, want, &format!("{actions:?}"));
    }
    let empty = json!({"principal": "", "actions": ["http_post"]});
    let r = Op::of(&g)
        .json(&g, "POST", "/v1/admin/policy/grant", empty)
        .await;
    assert_eq!(
        r.text(),
        r#"{"error":"invalid_principal","detail":"principal must be 1-253 characters"}"#
    );
    assert_post(&g, 403, "a rejected grant changes nothing").await;
}

#[tokio::test]
async fn allowlist_entry_skips_the_hold_until_removed() {
    let g = gate().await;
    let body = json!({"action_id": "http_fetch", "agent_id": ANON});
    let unknown = json!({"url": "https://example.org/data"});
    let r = Op::of(&g).json(&g, "POST", ALLOWLIST, body.clone()).await;
    insta::assert_snapshot!(r.text(), @r#"{"action_id":"http_fetch","agent_id":"dev:anonymous","ok":true}"#);
    assert_eq!(execute(&g, "http_fetch", &unknown).await.status, 200);
    let d = Op::of(&g).json(&g, "DELETE", ALLOWLIST, body).await;
    insta::assert_snapshot!(d.text(), @r#"{"action_id":"http_fetch","agent_id":"dev:anonymous","ok":true}"#);
    assert_eq!(execute(&g, "http_fetch", &unknown).await.status, 202);
}

#[tokio::test]
async fn allowlist_errors_match_the_gate() {
    let g = gate().await;
    let cases = [
        (
            "DELETE",
            json!({"action_id": "http_fetch", "agent_id": "someone"}),
            404,
            r#"{"error":"allowlist_entry_not_found","detail":"no allowlist entry for action_id=http_fetch agent_id=someone"}"#,
        ),
        (
            "POST",
            json!({"action_id": "nope", "agent_id": "someone"}),
            404,
            r#"{"error":"action_not_found","action_id":"nope"}"#,
        ),
        (
            "POST",
            json!({"action_id": "http_fetch", "agent_id": "a/b"}),
            400,
            r#"{"error":"invalid_input","detail":"agent_id must contain only [a-zA-Z0-9_-:]"}"#,
        ),
    ];
    for (method, entry, status, want) in cases {
        let what = format!("{method} {entry}");
        let r = Op::of(&g).json(&g, method, ALLOWLIST, entry).await;
        r.assert_is(status, want, &what);
    }
}

#[tokio::test]
async fn mock_control_grant_still_adds_explicit_sinks() {
    let g = gate().await;
    let cmd = json!({"principal": ANON, "actions": ["http_post"], "sinks": ["http_write"]});
    let bearer = format!("Bearer {}", g.control_token().unwrap());
    let r = send(
        &Target::admin(&g),
        "POST",
        "/_mock/policy/grant",
        &[JSON, ("authorization", &bearer)],
        cmd.to_string().as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_post(&g, 200, "the granted action runs on its explicit sink").await;
}

#[tokio::test]
async fn reset_restores_the_start_policy() {
    let g = gate().await;
    edit_post(&g, "grant").await;
    g.reset();
    let p = Op::of(&g).get(&g, "/v1/admin/policy").await.json();
    assert_eq!(p["policy_version"], json!("quickstart-init"));
    assert!(p["acl"].get(ANON).is_none(), "{p}");
}

#[tokio::test]
async fn policy_routes_take_the_operator_buckets() {
    let g = one_token_gate(true).await;
    let reads = burst(&g, "GET", "/v1/admin/policy", None).await;
    first_429(&reads, "GET /v1/admin/policy");
    let body = json!({"action_id": "http_fetch", "agent_id": ANON});
    let writes = burst(&g, "POST", ALLOWLIST, Some(&body)).await;
    first_429(&writes, "POST allowlist");
}
