//! The operator client on the wire (SDK-CONTRACT §4): auth headers and proofs, approve and
//! deny bodies, terminal answers, receipt keys, errors.

mod support;

use latchgate::{ApproveOptions, ApproveOutcome, DenyOutcome, ErrorKind, OperatorClient};
use serde_json::{json, Value};
use support::wire::{answer, answer_json, only_request};
use wiremock::{MockServer, ResponseTemplate};

const API_KEY: &str = "key-default-0123456789abcdef0123456789abcdef";
const KEY_FILE: &str = "p256-a.pkcs8.pem";
const APPROVE: &str = "POST /v1/approvals/ap1/approve";
const DENY: &str = "POST /v1/approvals/ap1/deny";

fn operator(server: &MockServer) -> OperatorClient {
    OperatorClient::builder()
        .base_url(server.uri())
        .public_base_url("http://127.0.0.1:3000")
        .api_key(API_KEY)
        .key_pem(support::key_file(KEY_FILE))
        .environment(latchgate::transport::Env::from_pairs(&[]))
        .build()
        .unwrap()
}

/// A member of the python-sdk.json vector of the operator key.
fn key_vector(member: &str) -> Value {
    let file = support::vector_file("python-sdk.json");
    let keys = file["keys"].as_array().unwrap();
    let key = keys.iter().find(|k| k["file"] == KEY_FILE).unwrap();
    key[member].clone()
}

/// Check `req`'s proof: the operator key and API key, `htm`, and the htu
/// `http://127.0.0.1:3000{path}` (the public base, not the admin address).
fn check_operator_proof(req: &wiremock::Request, htm: &str, path: &str) {
    let htu = format!("http://127.0.0.1:3000{path}");
    support::check_proof(&req.headers, &key_vector("jwk"), API_KEY, htm, &htu);
}

fn executed_with_approval() -> Value {
    json!({
        "decision": "executed", "trace_id": "t2", "action_id": "fs_write", "grant_id": "g2", "receipt_id": "r2",
        "output": {"ok": true}, "verification_outcome": "verified",
        "verification": {"outcome": "verified", "is_fully_successful": true},
        "runtime": {"duration_ms": 1, "exit_code": 0, "fuel_consumed": 5},
        "approval": {"decision": "allow", "approval_id": "ap1", "approved_by": "default", "approval_hash": null,
                     "operator_authn_method": "operator_dpop"},
        "learned_path": "docs/**",
    })
}

#[tokio::test]
async fn operator_key_thumbprint_matches_the_python_sdk_vector() {
    let server = MockServer::start().await;
    let expected = key_vector("thumbprint");
    assert_eq!(json!(operator(&server).key_thumbprint()), expected);
}

#[tokio::test]
async fn approve_has_no_body_signs_the_public_base_without_query_and_encodes_learning() {
    let server = MockServer::start().await;
    answer_json(&server, APPROVE, 200, executed_with_approval()).await;
    let op = operator(&server);
    let options = ApproveOptions {
        learn_domain: Some("api.example.com".into()),
        learn_path: Some("docs/**/*.md".into()),
    };
    let outcome = op.approve("ap1", options).await.unwrap();
    let ApproveOutcome::Executed(result) = outcome else {
        panic!("expected Executed, got {outcome:?}")
    };
    assert_eq!(
        result.approval.as_ref().map(|a| a.approved_by.as_str()),
        Some("default")
    );
    assert_eq!(result.learned_path.as_deref(), Some("docs/**"));
    let req = only_request(&server).await;
    assert!(req.body.is_empty(), "approve has no body");
    assert!(
        req.headers.get("content-type").is_none(),
        "approve has no Content-Type"
    );
    assert_eq!(
        req.url.query(),
        Some("learn_domain=api.example.com&learn_path=docs%2F%2A%2A%2F%2A.md")
    );
    check_operator_proof(&req, "POST", "/v1/approvals/ap1/approve");
}

#[tokio::test]
async fn approve_of_a_completed_approval_is_already_decided_under_either_state_key() {
    for body in [
        json!({"decision": "already_approved", "approval_id": "ap1", "status": "approved", "receipt_id": "r1"}),
        json!({"decision": "already_denied", "approval_id": "ap1", "state": "denied", "completed_at": "c", "deny_reason": "no", "source": "durable_outcome"}),
    ] {
        let server = MockServer::start().await;
        answer_json(&server, APPROVE, 200, body.clone()).await;
        let outcome = operator(&server)
            .approve("ap1", ApproveOptions::default())
            .await
            .unwrap();
        let ApproveOutcome::AlreadyDecided(done) = outcome else {
            panic!("{body}: {outcome:?}")
        };
        assert_eq!(done.decision, body["decision"].as_str().unwrap());
        assert!(
            done.status == "approved" || done.status == "denied",
            "{body}"
        );
    }
}

#[tokio::test]
async fn approve_with_an_unknown_decision_is_a_protocol_error_that_may_have_executed() {
    let server = MockServer::start().await;
    answer_json(&server, APPROVE, 200, json!({"decision": "maybe"})).await;
    let err = operator(&server)
        .approve("ap1", ApproveOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.may_have_executed()),
        (ErrorKind::ProtocolError, true)
    );
}

#[tokio::test]
async fn second_approve_conflict_and_throttling_are_mapped() {
    let server = MockServer::start().await;
    answer_json(&server, APPROVE, 409, json!({"error": "conflict"})).await;
    answer(
        &server,
        "POST /v1/approvals/ap2/approve",
        ResponseTemplate::new(429)
            .insert_header("retry-after", "2")
            .set_body_json(json!({"error": "operator_throttled"})),
    )
    .await;
    let op = operator(&server);
    let err = op
        .approve("ap1", ApproveOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code(), err.target_id()),
        (ErrorKind::Conflict, Some("conflict"), Some("ap1"))
    );
    let err = op
        .approve("ap2", ApproveOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.retry_after()),
        (ErrorKind::Unavailable, Some(2))
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "never retried"
    );
}

fn denied() -> Value {
    json!({"decision": "deny", "trace_id": "t", "action_id": "fs_write", "approval_id": "ap1", "denied_by": "default", "deny_reason": "operator_denied"})
}

#[tokio::test]
async fn deny_without_reason_sends_no_body_and_no_content_type() {
    let server = MockServer::start().await;
    answer_json(&server, DENY, 200, denied()).await;
    let outcome = operator(&server).deny("ap1", None).await.unwrap();
    assert!(
        matches!(outcome, DenyOutcome::Denied(ref d) if d.deny_reason == "operator_denied"),
        "{outcome:?}"
    );
    let req = only_request(&server).await;
    assert!(req.body.is_empty() && req.headers.get("content-type").is_none());
    check_operator_proof(&req, "POST", "/v1/approvals/ap1/deny");
}

#[tokio::test]
async fn deny_with_reason_sends_exactly_the_reason_as_json() {
    let server = MockServer::start().await;
    answer_json(&server, DENY, 200, denied()).await;
    operator(&server)
        .deny("ap1", Some("too risky"))
        .await
        .unwrap();
    let req = only_request(&server).await;
    assert_eq!(req.headers.get("content-type").unwrap(), "application/json");
    assert_eq!(
        serde_json::from_slice::<Value>(&req.body).unwrap(),
        json!({"reason": "too risky"})
    );
}

#[tokio::test]
async fn list_and_get_approvals_use_the_query_and_empty_error_bodies() {
    let server = MockServer::start().await;
    let summary = json!({"approval_id": "ap1", "status": "pending", "action_id": "fs_write", "action_version": "1",
        "principal": "dev:anonymous", "session_id": "s", "risk_level": "high", "request_hash": "sha256:x",
        "created_at": "a", "expires_at": "b"});
    answer_json(
        &server,
        "GET /v1/approvals",
        200,
        json!({"approvals": [summary], "count": 1}),
    )
    .await;
    answer(&server, "GET /v1/approvals/ap9", ResponseTemplate::new(401)).await;
    let op = operator(&server);
    let list = op.list_approvals(Some("pending"), Some(10)).await.unwrap();
    assert_eq!(
        (list.count, list.approvals[0].approval_id.as_str()),
        (1, "ap1")
    );
    let err = op.get_approval("ap9").await.unwrap_err();
    assert_eq!((err.kind(), err.code()), (ErrorKind::AuthError, None));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].url.query(), Some("status=pending&limit=10"));
    check_operator_proof(&requests[0], "GET", "/v1/approvals");
}

#[tokio::test]
async fn receipt_keys_skip_other_types_and_reject_malformed_hex() {
    let server = MockServer::start().await;
    let file = support::vector_file("python-sdk.json");
    let mut keys = file["receipt"]["keys"].clone();
    keys["keys"]
        .as_array_mut()
        .unwrap()
        .push(json!({"kid": "x", "kty": "EC", "crv": "P-256", "x": "a", "y": "b"}));
    answer_json(&server, "GET /v1/receipt-keys", 200, keys).await;
    let op = operator(&server);
    let parsed = op.receipt_keys().await.unwrap();
    assert_eq!(parsed.len(), 1);
    assert_eq!(
        json!(parsed[0].x_hex),
        file["receipt"]["keys"]["keys"][0]["x_hex"]
    );
    server.reset().await;
    let bad = json!({"keys": [{"kid": "k", "x_hex": "zz", "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "added_at": "t", "use": "sig"}]});
    answer_json(&server, "GET /v1/receipt-keys", 200, bad).await;
    assert_eq!(
        op.receipt_keys().await.unwrap_err().kind(),
        ErrorKind::ProtocolError
    );
}

#[tokio::test]
async fn admin_routes_collapse_auth_failures_to_unauthorized() {
    let server = MockServer::start().await;
    answer_json(
        &server,
        "GET /v1/admin/status",
        401,
        json!({"error": "unauthorized"}),
    )
    .await;
    let err = operator(&server).admin_status().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::AuthError, Some("unauthorized"))
    );
}

#[tokio::test]
async fn admin_receipt_uses_operator_auth_and_verifies_offline() {
    let server = MockServer::start().await;
    let file = support::vector_file("python-sdk.json");
    let receipt = file["receipt"]["receipt"].clone();
    let id = receipt["receipt_id"].as_str().unwrap().to_owned();
    answer_json(&server, &format!("GET /v1/receipts/{id}"), 200, receipt).await;
    answer_json(
        &server,
        "GET /v1/receipt-keys",
        200,
        file["receipt"]["keys"].clone(),
    )
    .await;
    let op = operator(&server);
    let keys = op.receipt_keys().await.unwrap();
    assert_eq!(
        op.get_receipt(&id).await.unwrap().verify(&keys),
        latchgate::VerificationStatus::Valid
    );
}

#[tokio::test]
async fn admin_status_and_approval_detail_parse_the_gates_bodies() {
    let server = MockServer::start().await;
    let status = json!({"status": "ok", "version": "0.2.0", "uptime_seconds": 12, "actions_registered": 4,
        "pending_approvals": 1, "revocation_epoch": 0, "draining": false, "in_flight_executions": 0,
        "dependencies": {"redis": true, "opa": true}, "webhooks": {"active": false, "pending_deliveries": 0}});
    answer_json(&server, "GET /v1/admin/status", 200, status).await;
    let detail = json!({"approval_id": "ap1", "status": "approved", "completed_at": "c", "receipt_id": "r1", "source": "durable_outcome"});
    answer_json(&server, "GET /v1/approvals/ap1", 200, detail).await;
    let op = operator(&server);
    let s = op.admin_status().await.unwrap();
    assert_eq!(
        (s.version.as_str(), s.pending_approvals, s.draining),
        ("0.2.0", 1, false)
    );
    let d = op.get_approval("ap1").await.unwrap();
    assert_eq!(
        (d.status.as_str(), d.receipt_id.as_deref()),
        ("approved", Some("r1"))
    );
    assert_eq!(d.extra["source"], "durable_outcome");
    let requests = server.received_requests().await.unwrap();
    check_operator_proof(&requests[0], "GET", "/v1/admin/status");
}
