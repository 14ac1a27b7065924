//! Approvals from the agent side: polling with lease auth, the creating lease, stale
//! sessions, and waiting on an injected clock (C-APPR).

mod support;

use std::time::Duration;

use latchgate::ErrorKind;
use serde_json::json;
use support::wire::{answer_json, check_lease_proof, client, gate, mount, requests_to};
use wiremock::{MockServer, ResponseTemplate};

async fn approval_gate(poll: impl wiremock::Respond + 'static) -> MockServer {
    let server = gate().await;
    let pending = json!({"decision": "pending_approval", "approval_id": "ap1", "request_hash": "sha256:ab", "trace_id": "t"});
    answer_json(&server, "POST /v1/actions/fs_write/execute", 202, pending).await;
    mount(&server, "GET /v1/approvals/ap1/poll", poll, None).await;
    server
}

#[tokio::test]
async fn poll_reads_status_and_injects_the_approval_id() {
    let server = approval_gate(
        ResponseTemplate::new(200).set_body_json(json!({"status": "approved", "receipt_id": "r7"})),
    )
    .await;
    let (c, _) = client(&server);
    let _ = c.execute("fs_write", json!({})).await;
    let status = c.get_approval_status("ap1").await.unwrap();
    assert_eq!(
        (
            status.approval_id.as_str(),
            status.status.as_str(),
            status.receipt_id.as_deref()
        ),
        ("ap1", "approved", Some("r7"))
    );
    assert!(status.is_terminal());
    let req = &requests_to(&server, "/v1/approvals/ap1/poll").await[0];
    check_lease_proof(&server, req, "jwt-1").await;
}

#[tokio::test]
async fn poll_errors_have_empty_bodies_and_401_is_never_lease_expired() {
    for (status, kind) in [
        (401, ErrorKind::AuthError),
        (404, ErrorKind::NotFound),
        (503, ErrorKind::Unavailable),
    ] {
        let server = approval_gate(ResponseTemplate::new(status)).await;
        let (c, _) = client(&server);
        let err = c.get_approval_status("ap1").await.unwrap_err();
        assert_eq!(
            (err.kind(), err.code(), err.stale_session()),
            (kind, None, false),
            "status {status}"
        );
    }
}

#[tokio::test]
async fn poll_answers_that_break_the_contract_are_protocol_errors() {
    for body in [
        json!({"status": "approved"}),
        json!({"status": 1}),
        json!({}),
    ] {
        let server = approval_gate(ResponseTemplate::new(200).set_body_json(body.clone())).await;
        let (c, _) = client(&server);
        assert_eq!(
            c.get_approval_status("ap1").await.unwrap_err().kind(),
            ErrorKind::ProtocolError,
            "{body}"
        );
    }
}

#[tokio::test]
async fn poll_uses_the_creating_lease_inside_the_renewal_window() {
    let server = approval_gate(
        ResponseTemplate::new(200)
            .set_body_json(json!({"status": "pending", "retry_after_seconds": 2})),
    )
    .await;
    let (c, clock) = client(&server);
    let _ = c.execute("fs_write", json!({})).await;
    clock.advance(Duration::from_secs(280)); // 20 s left
    c.get_approval_status("ap1").await.unwrap();
    assert_eq!(
        requests_to(&server, "/v1/leases").await.len(),
        1,
        "no renewal for the creating lease"
    );
    let poll = &requests_to(&server, "/v1/approvals/ap1/poll").await[0];
    assert_eq!(poll.headers.get("authorization").unwrap(), "DPoP jwt-1");
}

#[tokio::test]
async fn poll_404_after_a_session_change_is_stale_session() {
    let server = approval_gate(ResponseTemplate::new(404)).await;
    let (c, clock) = client(&server);
    let _ = c.execute("fs_write", json!({})).await;
    clock.advance(Duration::from_secs(301)); // the creating lease has expired
    let err = c.get_approval_status("ap1").await.unwrap_err();
    assert_eq!(
        (err.kind(), err.stale_session()),
        (ErrorKind::NotFound, true)
    );
    assert_eq!(c.session_id().as_deref(), Some("session-2"));
    let poll = &requests_to(&server, "/v1/approvals/ap1/poll").await[0];
    assert_eq!(poll.headers.get("authorization").unwrap(), "DPoP jwt-2");
}

/// A poll answer sequence: one template per poll, the last repeated.
struct Sequence(std::sync::Mutex<Vec<ResponseTemplate>>);

impl wiremock::Respond for Sequence {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let mut left = self.0.lock().unwrap();
        if left.len() > 1 {
            left.remove(0)
        } else {
            left[0].clone()
        }
    }
}

fn pending(retry: u64) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"status": "pending", "retry_after_seconds": retry}))
}

#[tokio::test]
async fn wait_for_approval_sleeps_the_clamped_retry_after_until_terminal() {
    let seq = vec![
        pending(2),
        pending(1),
        pending(0),
        pending(90),
        ResponseTemplate::new(503),
        ResponseTemplate::new(200)
            .set_body_json(json!({"status": "denied", "reason": "operator_denied"})),
    ];
    let server = approval_gate(Sequence(std::sync::Mutex::new(seq))).await;
    let (c, clock) = client(&server);
    let _ = c.execute("fs_write", json!({})).await;
    let status = c.wait_for_approval("ap1", None).await.unwrap();
    assert_eq!(
        (status.status.as_str(), status.reason.as_deref()),
        ("denied", Some("operator_denied"))
    );
    let secs: Vec<u64> = clock.sleeps().iter().map(Duration::as_secs).collect();
    assert_eq!(secs, [2, 1, 1, 30, 2]);
}

#[tokio::test]
async fn wait_for_approval_returns_the_last_pending_status_at_the_deadline() {
    let server = approval_gate(pending(2)).await;
    let (c, clock) = client(&server);
    let _ = c.execute("fs_write", json!({})).await;
    let status = c
        .wait_for_approval("ap1", Some(Duration::from_secs(5)))
        .await
        .unwrap();
    assert_eq!(status.status, "pending");
    let secs: Vec<u64> = clock.sleeps().iter().map(Duration::as_secs).collect();
    assert_eq!(secs, [2, 2, 1]);
    assert_eq!(
        requests_to(&server, "/v1/actions/fs_write/execute")
            .await
            .len(),
        1,
        "never re-executes"
    );
}

#[tokio::test]
async fn wait_for_approval_raises_other_errors() {
    let server = approval_gate(ResponseTemplate::new(404)).await;
    let (c, _) = client(&server);
    let _ = c.execute("fs_write", json!({})).await;
    let err = c.wait_for_approval("ap1", None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn poll_after_the_gate_rejected_the_creating_lease_uses_a_new_lease() {
    let server = approval_gate(ResponseTemplate::new(404)).await;
    answer_json(
        &server,
        "GET /v1/receipts/r1",
        401,
        json!({"error": "invalid_lease"}),
    )
    .await;
    let (c, _) = client(&server);
    let _ = c.execute("fs_write", json!({})).await;
    let _ = c.get_receipt("r1").await; // the gate restarted: every lease is invalid
    let err = c.get_approval_status("ap1").await.unwrap_err();
    assert_eq!(
        (err.kind(), err.stale_session()),
        (ErrorKind::NotFound, true)
    );
    let poll = &requests_to(&server, "/v1/approvals/ap1/poll").await[0];
    assert_eq!(poll.headers.get("authorization").unwrap(), "DPoP jwt-2");
}
