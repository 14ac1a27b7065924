//! Differences once found against a running gate v0.2.0, each checked on the mock: dotted
//! sensitive paths (Rego `glob.match`), approved targets, nanosecond record timestamps, the
//! metrics exposition.

mod support;

use serde_json::json;
use support::{fs_gate, fs_read, fs_root_with, Agent, Op};

#[tokio::test]
async fn dotted_paths_under_sensitive_dirs_reach_the_provider_and_are_denied_there() {
    let root = fs_root_with(&[("README.md", "x")]);
    let g = fs_gate(root.path()).await;
    let a = Agent::new();
    let l = a.lease(&g).await;
    for p in [
        "config/secrets/api.txt",
        "home/.ssh/id_rsa.pub",
        "my.app/.env",
    ] {
        let r = a.execute(&g, &l, "fs_read", &fs_read(p)).await;
        assert_eq!(r.status, 200, "{p}: {}", r.text());
        assert_eq!(r.json()["output"]["error"]["code"], "path_denied", "{p}");
    }
}

async fn pending_detail(g: &latchgate_mock::MockGate) -> serde_json::Value {
    let a = Agent::new();
    let l = a.lease(g).await;
    let r = a
        .execute(g, &l, "fs_read", &fs_read("notes/plan.txt"))
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    let id = r.json()["approval_id"].as_str().unwrap().to_string();
    Op::of(g)
        .get(g, &format!("/v1/approvals/{id}"))
        .await
        .json()
}

#[tokio::test]
async fn approved_targets_are_the_principals_allowed_sinks() {
    let root = fs_root_with(&[("README.md", "x")]);
    let g = fs_gate(root.path()).await;
    let d = pending_detail(&g).await;
    assert_eq!(d["approved_targets"], json!(["fs_read", "http_read"]));
}

#[tokio::test]
async fn approval_timestamps_carry_nine_fractional_digits() {
    let root = fs_root_with(&[("README.md", "x")]);
    let g = fs_gate(root.path()).await;
    let d = pending_detail(&g).await;
    for k in ["created_at", "expires_at"] {
        let t = d[k].as_str().unwrap();
        let frac = t.split_once('.').map(|(_, f)| f).unwrap_or("");
        assert_eq!(frac.len(), "123456789+00:00".len(), "{k} = {t}");
        assert!(t.ends_with("+00:00"), "{k} = {t}");
    }
}

#[tokio::test]
async fn metrics_count_an_allowed_call_under_the_gate_family_names() {
    let root = fs_root_with(&[("README.md", "x")]);
    let g = fs_gate(root.path()).await;
    let a = Agent::new();
    let l = a.lease(&g).await;
    let r = a.execute(&g, &l, "fs_read", &fs_read("README.md")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let text = Op::of(&g).get(&g, "/metrics").await.text();
    for line in [
        "latchgate_calls_total_total{action=\"fs_read\",decision=\"allow\"} 1",
        "latchgate_policy_decisions_total_total{decision=\"allow\"} 1",
        "latchgate_action_duration_seconds_count{action=\"fs_read\"} 1",
        "latchgate_opa_request_duration_seconds_count{operation=\"evaluate\"} 1",
        "latchgate_redis_request_duration_seconds_count{operation=\"replay_check\"} 1",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "no line {line:?} in:\n{text}"
        );
    }
}

#[tokio::test]
async fn metrics_count_a_policy_denial_once() {
    let g = latchgate_mock::MockGate::builder().start().await.unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let body = json!({"url": "https://httpbin.org/post", "body": "{}"});
    assert_eq!(a.execute(&g, &l, "http_post", &body).await.status, 403);
    let text = Op::of(&g).get(&g, "/metrics").await.text();
    for line in [
        "latchgate_calls_total_total{action=\"http_post\",decision=\"deny\"} 1",
        "latchgate_policy_decisions_total_total{decision=\"deny\"} 1",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "no line {line:?} in:\n{text}"
        );
    }
}
