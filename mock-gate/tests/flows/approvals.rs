//! Approvals: the held call, approve and deny, poll, claim conflicts, expiry, operator auth.

use std::time::Duration;

use latchgate_mock::MockGate;
use serde_json::json;

use crate::support::{
    gate, jcs_sha256, leased, leased_on, redact, send, Agent, Lease, Op, Target, FETCH_UNKNOWN,
};

/// Asserts the agent's poll of approval `id` answers `want`.
async fn assert_poll(g: &MockGate, (a, l): (&Agent, &Lease), id: &str, want: impl AsRef<str>) {
    let poll = a.poll(g, l, id).await;
    assert_eq!(poll.text(), want.as_ref(), "poll of {id}");
}

/// Asserts the operator's approve of `id` answers `status` and `body`, and the agent's poll
/// then answers `poll`.
async fn assert_approve_then_poll(
    g: &MockGate,
    agent: (&Agent, &Lease),
    id: &str,
    (status, body): (u16, &str),
    poll: &str,
) {
    let r = Op::of(g).approve(g, id).await;
    r.assert_is(status, body, &format!("approve of {id}"));
    assert_poll(g, agent, id, poll).await;
}

#[tokio::test]
async fn unknown_domain_is_held_and_approval_runs_the_stored_plan() {
    let (g, a, l) = leased().await;
    let r = a
        .execute(&g, &l, "http_fetch", &json!({"url": FETCH_UNKNOWN}))
        .await;
    insta::assert_snapshot!(redact(&r.text()), @r#"{"decision":"pending_approval","approval_id":"<approval_id>","request_hash":"<request_hash>","trace_id":"<trace_id>"}"#);
    let v = r.json();
    let id = v["approval_id"].as_str().unwrap();
    assert_eq!(
        v["request_hash"],
        json!(jcs_sha256(&json!({"url": FETCH_UNKNOWN})))
    );
    assert_poll(
        &g,
        (&a, &l),
        id,
        r#"{"status":"pending","retry_after_seconds":2}"#,
    )
    .await;
    let op = Op::of(&g);
    let list = op.get(&g, "/v1/approvals?status=pending").await;
    assert_eq!(list.json()["count"], json!(1));
    let detail = op.get(&g, &format!("/v1/approvals/{id}")).await;
    assert_eq!(detail.json()["unresolved_domains"], json!(["example.org"]));
    assert!(detail.json().get("request_body").is_none());
    let ok = op.approve(&g, id).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    insta::assert_snapshot!(redact(&ok.text()), @r#"{"action_id":"http_fetch","approval":{"approval_hash":"<approval_hash>","approval_id":"<approval_id>","approved_by":"default","decision":"allow","operator_authn_method":"operator_dpop","operator_sender_binding":"<operator_sender_binding>"},"decision":"executed","grant_id":"<grant_id>","learned_domain":"example.org","output":{"data":{"body":"","headers":{},"status_code":200,"url":"https://example.org/data"},"ok":true},"receipt_id":"<receipt_id>","runtime":{"duration_ms":0,"exit_code":0,"fuel_consumed":0},"trace_id":"<trace_id>","verification":{"is_fully_successful":true,"outcome":"verified"},"verification_outcome":"verified"}"#);
    let rid = ok.member("receipt_id");
    assert_poll(
        &g,
        (&a, &l),
        id,
        format!(r#"{{"status":"approved","receipt_id":"{rid}"}}"#),
    )
    .await;
    let again = op.approve(&g, id).await;
    assert_eq!(again.json()["decision"], json!("already_approved"));
    assert_eq!(again.json()["receipt_id"], json!(rid));
    let r2 = a
        .execute(&g, &l, "http_fetch", &json!({"url": FETCH_UNKNOWN}))
        .await;
    assert_eq!(r2.status, 200, "the learned domain is now allowed");
}

#[tokio::test]
async fn deny_defaults_to_operator_denied_and_poll_reports_it() {
    let (g, a, l) = leased().await;
    let id = a.pending(&g, &l).await;
    let op = Op::of(&g);
    let d = op.deny(&g, &id).await;
    insta::assert_snapshot!(redact(&d.text()), @r#"{"action_id":"http_fetch","approval_id":"<approval_id>","decision":"deny","denied_by":"default","deny_reason":"operator_denied","trace_id":"<trace_id>"}"#);
    assert_poll(
        &g,
        (&a, &l),
        &id,
        r#"{"status":"denied","reason":"operator_denied"}"#,
    )
    .await;
    let again = op.approve(&g, &id).await;
    assert_eq!(again.json()["decision"], json!("already_denied"));
}

#[tokio::test]
async fn deny_reason_is_read_only_with_a_json_content_type() {
    let (g, a, l) = leased().await;
    let op = Op::of(&g);
    let json = [("content-type", "application/json")];
    let deny = |id: &str| format!("/v1/approvals/{id}/deny");
    let id = a.pending(&g, &l).await;
    let d = op
        .call(&g, "POST", &deny(&id), br#"{"reason":"no"}"#, &json)
        .await;
    assert_eq!(d.json()["deny_reason"], json!("no"));
    let id2 = a.pending(&g, &l).await;
    let d2 = op
        .call(&g, "POST", &deny(&id2), br#"{"reason":"no"}"#, &[])
        .await;
    assert_eq!(
        d2.json()["deny_reason"],
        json!("operator_denied"),
        "no content-type: body ignored"
    );
    let e = op.call(&g, "POST", &deny(&id2), b"", &json).await;
    assert_eq!(
        e.status,
        400,
        "empty JSON body fails before auth: {}",
        e.text()
    );
}

#[tokio::test]
async fn unknown_approval_is_action_not_found_and_other_sessions_get_404() {
    let g = gate().await;
    let op = Op::of(&g);
    let r = op.approve(&g, "nope").await;
    r.assert_is(
        404,
        r#"{"error":"action_not_found"}"#,
        "approve of an unknown id",
    );
    let a = Agent::new();
    let l = a.lease(&g).await;
    let id = a.pending(&g, &l).await;
    let b = Agent::new();
    let lb = b.lease(&g).await;
    let p = b.poll(&g, &lb, &id).await;
    assert_eq!((p.status, p.body.len()), (404, 0));
}

#[tokio::test]
async fn bad_learn_path_after_claim_leaves_the_approval_claimed_so_retries_conflict() {
    let (g, a, l) = leased().await;
    let id = a.pending(&g, &l).await;
    let op = Op::of(&g);
    let r = op
        .post(&g, &format!("/v1/approvals/{id}/approve?learn_path=../x"))
        .await;
    assert_eq!(
        r.text(),
        r#"{"error":"bad_request","deny_reason":"invalid learn_path '../x': parent traversal ('..') is not allowed in learned paths"}"#
    );
    let conflict = (409, r#"{"error":"conflict"}"#);
    let pending = r#"{"status":"pending","retry_after_seconds":1}"#;
    assert_approve_then_poll(&g, (&a, &l), &id, conflict, pending).await;
    g.clock().advance(Duration::from_secs(121));
    let retry = op.approve(&g, &id).await;
    assert_eq!(retry.status, 200, "claim TTL lapsed: {}", retry.text());
}

#[tokio::test]
async fn approving_an_expired_plan_fails_with_internal_error_and_records_failed() {
    let long_leases = MockGate::builder().lease_ttl(Duration::from_secs(3600));
    let (g, a, l) = leased_on(long_leases).await;
    let id = a.pending(&g, &l).await;
    g.clock().advance(Duration::from_secs(301));
    let internal = (500, r#"{"error":"internal_error"}"#);
    let failed =
        r#"{"status":"failed","reason":"plan integrity: execution plan expired before approval"}"#;
    assert_approve_then_poll(&g, (&a, &l), &id, internal, failed).await;
    let op = Op::of(&g);
    // the failed approval still learned example.org (persisted before execution), so hold another domain
    let r2 = a.hold(&g, &l, "https://other.example.net/x").await;
    let id2 = r2.member("approval_id");
    g.clock().advance(Duration::from_secs(601));
    let gone = op.deny(&g, &id2).await;
    assert_eq!(gone.status, 404, "past created + 600 s");
}

#[tokio::test]
async fn operator_client_from_the_handle_approves() {
    let (g, a, l) = leased().await;
    let id = a.pending(&g, &l).await;
    let op = g.operator().unwrap();
    let out = op.approve(&id, latchgate::ApproveOptions::default()).await;
    assert!(out.is_ok(), "{out:?}");
}

#[tokio::test]
async fn approve_reports_specific_operator_auth_errors() {
    let g = gate().await;
    let t = Target::admin(&g);
    let path = "/v1/approvals/x/approve";
    let op = Op::of(&g);
    let proof = op.proof(&g, "POST", path);
    let good = format!("DPoP {}", op.api_key);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![], r#"{"error":"missing_auth_header"}"#),
        (
            vec![("authorization", "Bearer k")],
            r#"{"error":"invalid_auth_scheme"}"#,
        ),
        (
            vec![("authorization", good.as_str())],
            r#"{"error":"missing_dpop_header"}"#,
        ),
        (
            vec![("authorization", "DPoP wrong"), ("dpop", proof.as_str())],
            r#"{"error":"invalid_operator_token"}"#,
        ),
    ];
    for (h, want) in cases {
        let r = send(&t, "POST", path, &h, b"").await;
        r.assert_is(401, want, &format!("headers {h:?}"));
    }
    let stranger = Agent::new();
    let p = stranger.proof_at(&g, "POST", &crate::support::htu(&g, path), &op.api_key);
    let signed = |proof: &str| {
        let (t, good, proof) = (&t, &good, proof.to_string());
        async move {
            let h = [("authorization", good.as_str()), ("dpop", proof.as_str())];
            send(t, "POST", path, &h, b"").await.text()
        }
    };
    assert_eq!(
        signed(&p).await,
        r#"{"error":"key_binding_failed","deny_reason":"DPoP proof thumbprint does not match configured dpop_jkt"}"#
    );
    assert_eq!(signed(&proof).await, r#"{"error":"action_not_found"}"#);
    assert_eq!(
        signed(&proof).await,
        r#"{"error":"replay_detected"}"#,
        "operator proofs share the replay cache"
    );
}
