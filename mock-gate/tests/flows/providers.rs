//! Providers: the output check, `builtin:fs` read and held write, `builtin:http_api` upstream
//! and a failed request.

use latchgate_mock::MockGate;
use serde_json::json;

use crate::support::{
    execute_fresh, fs_gate, fs_read, fs_root_with, fs_write_gate, held_then_approved, send, Agent,
    Op, Target, UNAUTHORIZED,
};

/// A gate with `fetch_local`, an http action on the real `HttpProvider`, open to everyone.
async fn real_http_gate() -> MockGate {
    let yaml = "action_id: fetch_local\nversion: '1'\nprovider_module_digest: 'builtin:http_api'\nverifier_kind: http_status\n\
        template: {method: GET, url_template: '{{url}}'}\negress: {profile: proxy_allowlist, allowed_domains: ['127.0.0.1']}\n\
        declared_side_effects: [http_read]\n";
    let spec = latchgate_mock::ActionSpec::from_yaml(yaml).unwrap();
    let provider = std::sync::Arc::new(latchgate_mock::HttpProvider);
    let builder = MockGate::builder().action_with_provider(spec, provider);
    granted_to_all(builder, "fetch_local").await
}

/// A gate from `builder` where every principal may call `action`.
async fn granted_to_all(builder: latchgate_mock::MockGateBuilder, action: &str) -> MockGate {
    builder.grant("*", &[action], &[]).start().await.unwrap()
}

#[tokio::test]
async fn output_without_boolean_ok_is_422_schema_violation() {
    let spec = latchgate_mock::ActionSpec::from_yaml(
        "action_id: odd\nversion: '1'\nprovider_module_digest: 'builtin:custom'\n",
    )
    .unwrap();
    let odd = MockGate::builder().action_with_output(spec, json!({"ok": "yes"}));
    let g = granted_to_all(odd, "odd").await;
    let a = Agent::new();
    let l = a.lease(&g).await;
    let r = a.execute(&g, &l, "odd", &json!({})).await;
    r.assert_is(
        422,
        r#"{"error":"schema_violation"}"#,
        "output {\"ok\": \"yes\"}",
    );
}

#[tokio::test]
async fn fs_read_returns_content_and_hash_evidence() {
    let root = fs_root_with(&[("src/a.rs", "fn main() {}\n")]);
    let g = fs_gate(root.path()).await;
    let a = Agent::new();
    let l = a.lease(&g).await;
    let r = a.execute(&g, &l, "fs_read", &fs_read("src/a.rs")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(
        v["output"]["data"]["content_base64"],
        json!("Zm4gbWFpbigpIHt9Cg==")
    );
    assert_eq!(v["verification_outcome"], json!("verified"));
    let held = a.execute(&g, &l, "fs_read", &fs_read("other/b.txt")).await;
    assert_eq!(held.status, 202, "unlisted path is held for approval");
    let denied = a.execute(&g, &l, "fs_read", &fs_read("src/.env")).await;
    assert_eq!(
        denied.status,
        202,
        "sensitive path needs approval: {}",
        denied.text()
    );
}

#[tokio::test]
async fn fs_write_is_held_then_writes_the_file_on_approval() {
    let root = fs_root_with(&[("src/", "")]);
    let g = fs_write_gate(root.path()).await;
    let body = json!({"operation": "write", "path": "src/new.rs", "content_base64": "aGk=", "mode": "create"});
    let ok = held_then_approved(&g, "fs_write", &body).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["verification_outcome"], json!("verified"));
    assert_eq!(
        std::fs::read_to_string(root.path().join("src/new.rs")).unwrap(),
        "hi"
    );
    let receipt = format!("/v1/receipts/{}", ok.member("receipt_id"));
    let admin = Op::of(&g).get(&g, &receipt).await;
    assert_eq!(
        admin.json()["verification_outcome"]["evidence"]["operation"],
        json!("create")
    );
    let l = Agent::new().lease(&g).await;
    let authz = format!("DPoP {}", l.token);
    let agent_auth = [("authorization", authz.as_str())];
    let agent_on_admin = send(&Target::admin(&g), "GET", &receipt, &agent_auth, b"").await;
    let why = "admin receipts need operator auth";
    assert_eq!(agent_on_admin.text(), UNAUTHORIZED, "{why}");
}

#[tokio::test]
async fn http_provider_performs_the_templated_request_against_an_upstream() {
    use wiremock::matchers::{method, path};
    let upstream = wiremock::MockServer::start().await;
    wiremock::Mock::given(method("GET"))
        .and(path("/data"))
        .respond_with(wiremock::ResponseTemplate::new(201).set_body_string("hello"))
        .expect(1)
        .mount(&upstream)
        .await;
    let g = real_http_gate().await;
    let a = Agent::new();
    let l = a.lease(&g).await;
    let url = format!("{}/data", upstream.uri());
    let r = a.execute(&g, &l, "fetch_local", &json!({"url": url})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(
        (
            v["output"]["data"]["status_code"].as_u64(),
            v["output"]["data"]["body"].as_str()
        ),
        (Some(201), Some("hello"))
    );
    assert_eq!(v["verification_outcome"], json!("verified"));
}

#[tokio::test]
async fn http_provider_request_that_fails_is_a_bare_schema_violation() {
    let g = real_http_gate().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/x", closed.local_addr().unwrap());
    drop(closed);
    execute_fresh(&g, "fetch_local", &json!({ "url": url }))
        .await
        .assert_is(
            422,
            r#"{"error":"schema_violation"}"#,
            "a failed request is the gate's provider error, not an ok:false output",
        );
}
