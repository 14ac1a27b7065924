//! Agent calls on the wire: execute bodies and proofs, 200/202 handling, receipts,
//! discovery without auth, redirects (C-REQ, C-BODY, C-APPR-01,
//! C-RCPT, C-DISC, C-EGR, C-NET-04).

mod support;

use latchgate::wire::Egress;
use latchgate::{Client, ErrorKind};
use serde_json::{json, Value};
use support::wire::{answer, answer_json, check_lease_proof, client, gate, lease_jwk, requests_to};
use support::T0;
use wiremock::{MockServer, ResponseTemplate};

const FS_READ: &str = "POST /v1/actions/fs_read/execute";
const FS_WRITE: &str = "POST /v1/actions/fs_write/execute";

fn executed() -> Value {
    json!({
        "decision": "executed", "trace_id": "t1", "action_id": "fs_read", "grant_id": "g1",
        "receipt_id": "r1", "output": {"ok": true, "data": {"content": "hi"}},
        "verification_outcome": "verification_failed",
        "verification": {"outcome": "verification_failed", "is_fully_successful": false},
        "runtime": {"duration_ms": 4, "exit_code": 0, "fuel_consumed": 99},
    })
}

#[tokio::test]
async fn execute_sends_the_params_object_itself_with_a_verified_proof() {
    let server = gate().await;
    answer_json(&server, FS_READ, 200, executed()).await;
    let (c, _) = client(&server);
    let result = c
        .execute("fs_read", json!({"path": "docs/a.md"}))
        .await
        .unwrap();
    assert_eq!(result.receipt_id, "r1");
    assert_eq!(
        result.output,
        json!({"ok": true, "data": {"content": "hi"}})
    );
    assert_eq!(
        result.verification.as_ref().map(|v| v.is_fully_successful),
        Some(false)
    );
    let exec = &requests_to(&server, "/v1/actions/fs_read/execute").await[0];
    assert_eq!(
        serde_json::from_slice::<Value>(&exec.body).unwrap(),
        json!({"path": "docs/a.md"})
    );
    assert_eq!(
        exec.headers.get("content-type").unwrap(),
        "application/json"
    );
    let claims = check_lease_proof(&server, exec, "jwt-1").await;
    assert_eq!(claims["iat"], T0, "iat comes from the injected clock");
}

#[tokio::test]
async fn identical_requests_get_different_jtis() {
    let server = gate().await;
    answer_json(&server, FS_READ, 200, executed()).await;
    let (c, _) = client(&server);
    c.execute("fs_read", json!({})).await.unwrap();
    c.execute("fs_read", json!({})).await.unwrap();
    let jtis: Vec<Value> = requests_to(&server, "/v1/actions/fs_read/execute")
        .await
        .iter()
        .map(|r| {
            let proof = r.headers.get("dpop").unwrap().to_str().unwrap();
            latchgate::crypto::dpop::decode_unverified(proof).unwrap().1["jti"].clone()
        })
        .collect();
    assert_ne!(jtis[0], jtis[1]);
}

#[tokio::test]
async fn htu_uses_the_public_base_url_not_the_connection_address() {
    let server = gate().await;
    answer_json(
        &server,
        "GET /v1/receipts/r1",
        404,
        json!({"error": "not_found"}),
    )
    .await;
    let c = Client::builder()
        .base_url(server.uri())
        .public_base_url("HTTP://Gate.Example:80/")
        .agent_id("a")
        .build()
        .unwrap();
    let err = c.get_receipt("r1").await.unwrap_err();
    assert_eq!(
        (err.kind(), err.target_id()),
        (ErrorKind::NotFound, Some("r1"))
    );
    let req = &requests_to(&server, "/v1/receipts/r1").await[0];
    support::check_proof(
        &req.headers,
        &lease_jwk(&server).await,
        "jwt-1",
        "GET",
        "http://gate.example/v1/receipts/r1",
    );
}

#[tokio::test]
async fn execute_202_is_approval_required_with_its_ids() {
    let server = gate().await;
    let pending = json!({"decision": "pending_approval", "approval_id": "ap1", "request_hash": "sha256:ab", "trace_id": "t9"});
    answer_json(&server, FS_WRITE, 202, pending).await;
    let (c, _) = client(&server);
    let err = c
        .execute("fs_write", json!({"path": "x"}))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ApprovalRequired);
    let approval = err.approval().unwrap();
    assert_eq!(
        (
            approval.approval_id.as_str(),
            approval.request_hash.as_deref(),
            approval.trace_id.as_deref(),
            approval.session_id.as_deref()
        ),
        ("ap1", Some("sha256:ab"), Some("t9"), Some("session-1"))
    );
    assert!(!err.may_have_executed());
}

#[tokio::test]
async fn execute_202_without_approval_id_is_a_protocol_error() {
    let server = gate().await;
    answer_json(
        &server,
        FS_WRITE,
        202,
        json!({"decision": "pending_approval"}),
    )
    .await;
    let (c, _) = client(&server);
    let err = c.execute("fs_write", json!({})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProtocolError);
}

#[tokio::test]
async fn execute_200_that_is_not_executed_is_a_protocol_error_that_may_have_executed() {
    let bodies = [
        json!({"decision": "pending_approval", "trace_id": "t", "grant_id": "g", "receipt_id": "r"}),
        json!({"decision": "executed", "trace_id": "t", "grant_id": "g"}),
        json!({"decision": "executed", "trace_id": 5, "grant_id": "g", "receipt_id": "r"}),
        json!([]),
    ];
    for body in bodies {
        let server = gate().await;
        answer_json(&server, FS_READ, 200, body.clone()).await;
        let (c, _) = client(&server);
        let err = c.execute("fs_read", json!({})).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ProtocolError, "body {body}");
        assert!(err.may_have_executed(), "body {body}");
    }
}

#[tokio::test]
async fn non_json_and_empty_success_bodies_are_protocol_errors() {
    for body in ["", "ok", "<html></html>"] {
        let server = gate().await;
        answer(
            &server,
            "GET /v1/receipts/r1",
            ResponseTemplate::new(200).set_body_string(body),
        )
        .await;
        let (c, _) = client(&server);
        let err = c.get_receipt("r1").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ProtocolError, "body {body:?}");
        assert!(!err.may_have_executed());
    }
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let server = gate().await;
    let elsewhere = format!("{}/v1/actions/fs_read/execute2", server.uri());
    answer(
        &server,
        FS_READ,
        ResponseTemplate::new(307).insert_header("location", elsewhere.as_str()),
    )
    .await;
    let (c, _) = client(&server);
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::ProtocolError, Some(307))
    );
    assert!(requests_to(&server, "/v1/actions/fs_read/execute2")
        .await
        .is_empty());
}

#[tokio::test]
async fn htu_mismatch_error_names_public_base_url() {
    let server = gate().await;
    let body = json!({"error": "invalid_dpop", "deny_reason": "htu mismatch: expected 'http://localhost:3000/v1/actions/fs_read/execute', got 'x'"});
    answer_json(&server, FS_READ, 401, body).await;
    let (c, _) = client(&server);
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::AuthError, Some("invalid_dpop"))
    );
    assert!(err.to_string().contains("public_base_url"), "{err}");
}

fn receipt_body() -> Value {
    let file = support::vector_file("python-sdk.json");
    file["receipt"]["receipt"].clone()
}

#[tokio::test]
async fn receipt_is_fetched_with_lease_auth_and_kept_raw() {
    let server = gate().await;
    let body = receipt_body();
    let id = body["receipt_id"].as_str().unwrap().to_owned();
    answer_json(
        &server,
        &format!("GET /v1/receipts/{id}"),
        200,
        body.clone(),
    )
    .await;
    let (c, _) = client(&server);
    let receipt = c.get_receipt(&id).await.unwrap();
    assert_eq!(receipt.raw(), &body);
    let keys = latchgate::receipt::parse_receipt_keys(
        &support::vector_file("python-sdk.json")["receipt"]["keys"],
    )
    .unwrap();
    assert!(receipt.verify(&keys).is_valid());
    let req = &requests_to(&server, &format!("/v1/receipts/{id}")).await[0];
    check_lease_proof(&server, req, "jwt-1").await;
}

#[tokio::test]
async fn receipt_with_another_id_is_a_protocol_error() {
    let server = gate().await;
    answer_json(&server, "GET /v1/receipts/other", 200, receipt_body()).await;
    let (c, _) = client(&server);
    assert_eq!(
        c.get_receipt("other").await.unwrap_err().kind(),
        ErrorKind::ProtocolError
    );
}

#[tokio::test]
async fn discovery_needs_no_lease_and_sends_no_auth() {
    let server = MockServer::start().await;
    answer_json(
        &server,
        "GET /v1/actions",
        200,
        json!({"actions": [
            {"action_id": "fs_read", "version": "1.0.0", "risk_level": "low"},
            {"action_id": "db_q", "version": "2", "risk_level": "high", "database_mode": "strict"},
        ]}),
    )
    .await;
    let detail = json!({
        "action_id": "http_fetch", "version": "1.0.0", "provider_module_digest": "builtin:http_api", "risk_level": "low",
        "resource_limits": {"fuel": 1000000, "memory_mb": 64, "timeout_seconds": 30, "max_io_calls": 10, "max_host_response_bytes": 10485760},
        "io": {"max_request_bytes": 65536, "max_response_bytes": 1048576, "has_request_schema": true, "has_response_schema": false},
        "egress": {"proxy_allowlist": {"allowed_domains": ["httpbin.org", "api.github.com"]}},
        "declared_side_effects": [],
    });
    answer_json(&server, "GET /v1/actions/http_fetch", 200, detail).await;
    answer(&server, "GET /v1/actions/nope", ResponseTemplate::new(404)).await;
    answer_json(&server, "GET /healthz", 200, json!({"status": "ok"})).await;
    let c = Client::builder().base_url(server.uri()).build().unwrap();
    let actions = c.list_actions().await.unwrap();
    assert_eq!(actions[1].database_mode.as_deref(), Some("strict"));
    let action = c.get_action("http_fetch").await.unwrap();
    assert_eq!(
        action.egress_profile(),
        Egress::ProxyAllowlist(vec!["httpbin.org".into(), "api.github.com".into()])
    );
    assert_eq!(
        c.get_action("nope").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(c.healthz().await.unwrap().status, "ok");
    for r in server.received_requests().await.unwrap() {
        assert!(
            r.headers.get("authorization").is_none() && r.headers.get("dpop").is_none(),
            "{}",
            r.url
        );
        assert_ne!(r.url.path(), "/v1/leases");
    }
}

#[tokio::test]
async fn readyz_503_with_the_readiness_body_is_a_result() {
    let server = MockServer::start().await;
    let body = json!({"status": "not_ready", "redis": true, "opa": true, "ledger": true, "approval_store": false, "egress_proxy": null, "actions_registered": 0});
    answer_json(&server, "GET /readyz", 503, body).await;
    let c = Client::builder().base_url(server.uri()).build().unwrap();
    let ready = c.readyz().await.unwrap();
    assert_eq!(
        (ready.status.as_str(), ready.egress_proxy),
        ("not_ready", None)
    );
    server.reset().await;
    answer(&server, "GET /readyz", ResponseTemplate::new(503)).await;
    assert_eq!(c.readyz().await.unwrap_err().kind(), ErrorKind::Unavailable);
}

#[test]
fn egress_null_or_odd_shapes_are_unknown_never_none() {
    for raw in [
        json!(null),
        json!({"profile": "none"}),
        json!({"proxy_allowlist": {}}),
        json!("None"),
        json!({"proxy_allowlist": {"allowed_domains": [1]}}),
    ] {
        assert_eq!(
            Egress::from_wire(&raw),
            Egress::Unknown(raw.clone()),
            "{raw}"
        );
    }
}
