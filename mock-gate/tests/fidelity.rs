//! Differences once found against a running gate v0.2.0, each checked on the mock: dotted
//! sensitive paths (Rego `glob.match`), approved targets, nanosecond record and receipt
//! timestamps, the metrics exposition, fs open errors, the glob check on the path as sent, and
//! an http URL the gate's provider cannot parse.

mod support;

use latchgate_mock::MockGate;
use serde_json::json;
use support::{
    assert_execute_status, execute_fresh, fs_gate, fs_read, fs_root_with, gate, Agent, Op,
};

/// A quickstart gate on an fs root holding `README.md`, and the root, to be kept as long as
/// the gate is used.
async fn readme_gate() -> (MockGate, tempfile::TempDir) {
    let root = fs_root_with(&[("README.md", "x")]);
    let g = fs_gate(root.path()).await;
    (g, root)
}

/// Asserts each of `lines` is a line of the gate's metrics exposition.
async fn assert_metric_lines(g: &MockGate, lines: &[&str]) {
    let text = Op::of(g).get(g, "/metrics").await.text();
    for line in lines {
        assert!(
            text.lines().any(|l| l == *line),
            "no line {line:?} in:\n{text}"
        );
    }
}

#[tokio::test]
async fn dotted_paths_under_sensitive_dirs_reach_the_provider_and_are_denied_there() {
    let (g, _root) = readme_gate().await;
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

async fn pending_detail(g: &MockGate) -> serde_json::Value {
    let r = execute_fresh(g, "fs_read", &fs_read("notes/plan.txt")).await;
    assert_eq!(r.status, 202, "{}", r.text());
    let id = r.member("approval_id");
    Op::of(g)
        .get(g, &format!("/v1/approvals/{id}"))
        .await
        .json()
}

#[tokio::test]
async fn approved_targets_are_the_principals_allowed_sinks() {
    let (g, _root) = readme_gate().await;
    let d = pending_detail(&g).await;
    assert_eq!(d["approved_targets"], json!(["fs_read", "http_read"]));
}

#[tokio::test]
async fn approval_timestamps_carry_nanoseconds_as_chrono_prints_them() {
    let (g, _root) = readme_gate().await;
    let d = pending_detail(&g).await;
    for k in ["created_at", "expires_at"] {
        let t = d[k].as_str().unwrap();
        let frac = t.split_once('.').map(|(_, f)| f).unwrap_or("");
        let digits = frac.trim_end_matches("+00:00").len();
        assert!(
            digits == 9 || digits == 6,
            "{k} = {t}: want 9 fraction digits (6 on a whole microsecond)"
        );
        assert!(t.ends_with("+00:00"), "{k} = {t}");
    }
}

#[tokio::test]
async fn metrics_count_an_allowed_call_under_the_gate_family_names() {
    let (g, _root) = readme_gate().await;
    assert_execute_status(&g, "fs_read", &fs_read("README.md"), 200, "allowed").await;
    let lines = [
        "latchgate_calls_total_total{action=\"fs_read\",decision=\"allow\"} 1",
        "latchgate_policy_decisions_total_total{decision=\"allow\"} 1",
        "latchgate_action_duration_seconds_count{action=\"fs_read\"} 1",
        "latchgate_opa_request_duration_seconds_count{operation=\"evaluate\"} 1",
        "latchgate_redis_request_duration_seconds_count{operation=\"replay_check\"} 1",
    ];
    assert_metric_lines(&g, &lines).await;
}

#[tokio::test]
async fn metrics_count_a_policy_denial_once() {
    let g = gate().await;
    let body = json!({"url": "https://httpbin.org/post", "body": "{}"});
    assert_execute_status(&g, "http_post", &body, 403, "denied by the policy").await;
    let lines = [
        "latchgate_calls_total_total{action=\"http_post\",decision=\"deny\"} 1",
        "latchgate_policy_decisions_total_total{decision=\"deny\"} 1",
    ];
    assert_metric_lines(&g, &lines).await;
}

/// The provider output of an executed fs_read, as the bytes of the answer hold it.
async fn fs_read_output(g: &MockGate, path: &str) -> String {
    let r = execute_fresh(g, "fs_read", &fs_read(path)).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    let text = r.text();
    let start = text
        .find(",\"output\":")
        .unwrap_or_else(|| panic!("no output member in {text}"));
    let end = text
        .find(",\"verification_outcome\":")
        .unwrap_or_else(|| panic!("no verification_outcome member in {text}"));
    text[start + 1..end].to_string()
}

#[tokio::test]
async fn a_file_name_over_255_bytes_is_an_io_error_as_on_the_gate() {
    let (g, _root) = readme_gate().await;
    let name = format!("{}.md", "a".repeat(260));
    let want = format!(
        r#""output":{{"error":{{"code":"io_error","message":"I/O error: {name}"}},"ok":false}}"#
    );
    assert_eq!(fs_read_output(&g, &name).await, want);
}

#[tokio::test]
async fn a_path_ending_in_a_denied_directory_is_denied_as_sent() {
    let (g, _root) = readme_gate().await;
    let want = r#""output":{"error":{"code":"path_denied","message":"path matched denied_paths: a.b/secrets/"},"ok":false}"#;
    assert_eq!(fs_read_output(&g, "a.b/secrets/").await, want);
}

#[tokio::test]
async fn receipt_times_carry_nine_fractional_digits_and_z() {
    let (g, _root) = readme_gate().await;
    g.clock().freeze();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let r = a.execute(&g, &l, "fs_read", &fs_read("README.md")).await;
    let rc = a.receipt_of(&g, &l, &r).await.json();
    for k in ["started_at", "finished_at"] {
        let t = rc[k].as_str().unwrap();
        let frac = t.split_once('.').map(|(_, f)| f).unwrap_or("");
        assert_eq!(frac.len(), "123456789Z".len(), "{k} = {t}");
        assert!(t.ends_with('Z'), "{k} = {t}");
    }
}

async fn fetch(url: &str) -> support::Resp {
    let g = MockGate::start().await.unwrap();
    execute_fresh(&g, "http_fetch", &json!({ "url": url })).await
}

/// Asserts an `http_fetch` of `url` is answered 422 with a bare `schema_violation`; `why`
/// names the gate behaviour this reproduces.
async fn assert_bare_schema_violation(url: &str, why: &str) {
    let r = fetch(url).await;
    r.assert_is(
        422,
        r#"{"error":"schema_violation"}"#,
        &format!("{url}: {why}"),
    );
}

#[tokio::test]
async fn an_unparseable_http_url_fails_in_the_provider_as_a_bare_schema_violation() {
    let why = "the gate's http provider fails on a URL its host cannot parse";
    assert_bare_schema_violation("not a url", why).await;
}

#[tokio::test]
async fn an_http_url_without_a_host_fails_in_the_provider_as_a_bare_schema_violation() {
    let why = "the gate's host admits no sink for a URL without a host";
    assert_bare_schema_violation("file:///etc/passwd", why).await;
}

#[tokio::test]
async fn a_parseable_http_url_still_gets_the_canned_answer() {
    let r = fetch("https://httpbin.org/get").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["output"]["data"]["status_code"], 200);
}
