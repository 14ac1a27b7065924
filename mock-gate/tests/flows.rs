//! Flows: approvals, budgets, drain, rate limits, fs provider, faults, sockets, control API.

mod support;

use std::time::Duration;

use latchgate_mock::{Endpoint, FaultAction, FaultRule, GateControl, MockGate, RateLimits};
use serde_json::json;
use support::{redact, send, try_send, Agent, Op, Target};

const FETCH_UNKNOWN: &str = "https://example.org/data";

async fn pending(g: &MockGate, a: &Agent, l: &support::Lease) -> String {
    let r = a
        .execute(g, l, "http_fetch", &json!({"url": FETCH_UNKNOWN}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    r.json()["approval_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn unknown_domain_is_held_and_approval_runs_the_stored_plan() {
    let g = MockGate::builder().start().await.unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let r = a
        .execute(&g, &l, "http_fetch", &json!({"url": FETCH_UNKNOWN}))
        .await;
    insta::assert_snapshot!(redact(&r.text()), @r#"{"decision":"pending_approval","approval_id":"<approval_id>","request_hash":"<request_hash>","trace_id":"<trace_id>"}"#);
    let v = r.json();
    let id = v["approval_id"].as_str().unwrap();
    let jcs = serde_json_canonicalizer::to_string(&json!({"url": FETCH_UNKNOWN})).unwrap();
    use sha2::Digest;
    assert_eq!(
        v["request_hash"],
        json!(format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(jcs.as_bytes()))
        ))
    );
    let poll = a.get(&g, &l, &format!("/v1/approvals/{id}/poll")).await;
    assert_eq!(
        poll.text(),
        r#"{"status":"pending","retry_after_seconds":2}"#
    );
    let op = Op::of(&g);
    let list = op
        .call(&g, "GET", "/v1/approvals?status=pending", b"", &[])
        .await;
    assert_eq!(list.json()["count"], json!(1));
    let detail = op
        .call(&g, "GET", &format!("/v1/approvals/{id}"), b"", &[])
        .await;
    assert_eq!(detail.json()["unresolved_domains"], json!(["example.org"]));
    assert!(detail.json().get("request_body").is_none());
    let ok = op
        .call(&g, "POST", &format!("/v1/approvals/{id}/approve"), b"", &[])
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    insta::assert_snapshot!(redact(&ok.text()), @r#"{"action_id":"http_fetch","approval":{"approval_hash":"<approval_hash>","approval_id":"<approval_id>","approved_by":"default","decision":"allow","operator_authn_method":"operator_dpop","operator_sender_binding":"<operator_sender_binding>"},"decision":"executed","grant_id":"<grant_id>","learned_domain":"example.org","output":{"data":{"body":"","headers":{},"status_code":200,"url":"https://example.org/data"},"ok":true},"receipt_id":"<receipt_id>","runtime":{"duration_ms":0,"exit_code":0,"fuel_consumed":0},"trace_id":"<trace_id>","verification":{"is_fully_successful":true,"outcome":"verified"},"verification_outcome":"verified"}"#);
    let rid = ok.json()["receipt_id"].as_str().unwrap().to_string();
    let poll = a.get(&g, &l, &format!("/v1/approvals/{id}/poll")).await;
    assert_eq!(
        poll.text(),
        format!(r#"{{"status":"approved","receipt_id":"{rid}"}}"#)
    );
    let again = op
        .call(&g, "POST", &format!("/v1/approvals/{id}/approve"), b"", &[])
        .await;
    assert_eq!(again.json()["decision"], json!("already_approved"));
    assert_eq!(again.json()["receipt_id"], json!(rid));
    let r2 = a
        .execute(&g, &l, "http_fetch", &json!({"url": FETCH_UNKNOWN}))
        .await;
    assert_eq!(r2.status, 200, "the learned domain is now allowed");
}

#[tokio::test]
async fn deny_defaults_to_operator_denied_and_poll_reports_it() {
    let g = MockGate::builder().start().await.unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let id = pending(&g, &a, &l).await;
    let op = Op::of(&g);
    let d = op
        .call(&g, "POST", &format!("/v1/approvals/{id}/deny"), b"", &[])
        .await;
    insta::assert_snapshot!(redact(&d.text()), @r#"{"action_id":"http_fetch","approval_id":"<approval_id>","decision":"deny","denied_by":"default","deny_reason":"operator_denied","trace_id":"<trace_id>"}"#);
    let poll = a.get(&g, &l, &format!("/v1/approvals/{id}/poll")).await;
    assert_eq!(
        poll.text(),
        r#"{"status":"denied","reason":"operator_denied"}"#
    );
    let again = op
        .call(&g, "POST", &format!("/v1/approvals/{id}/approve"), b"", &[])
        .await;
    assert_eq!(again.json()["decision"], json!("already_denied"));
}

#[tokio::test]
async fn deny_reason_is_read_only_with_a_json_content_type() {
    let g = MockGate::builder().start().await.unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let op = Op::of(&g);
    let id = pending(&g, &a, &l).await;
    let d = op
        .call(
            &g,
            "POST",
            &format!("/v1/approvals/{id}/deny"),
            br#"{"reason":"no"}"#,
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(d.json()["deny_reason"], json!("no"));
    let id2 = pending(&g, &a, &l).await;
    let d2 = op
        .call(
            &g,
            "POST",
            &format!("/v1/approvals/{id2}/deny"),
            br#"{"reason":"no"}"#,
            &[],
        )
        .await;
    assert_eq!(
        d2.json()["deny_reason"],
        json!("operator_denied"),
        "no content-type: body ignored"
    );
    let e = op
        .call(
            &g,
            "POST",
            &format!("/v1/approvals/{id2}/deny"),
            b"",
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(
        e.status,
        400,
        "empty JSON body fails before auth: {}",
        e.text()
    );
}

#[tokio::test]
async fn unknown_approval_is_action_not_found_and_other_sessions_get_404() {
    let g = MockGate::builder().start().await.unwrap();
    let op = Op::of(&g);
    let r = op
        .call(&g, "POST", "/v1/approvals/nope/approve", b"", &[])
        .await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (404, r#"{"error":"action_not_found"}"#)
    );
    let a = Agent::new();
    let l = a.lease(&g).await;
    let id = pending(&g, &a, &l).await;
    let b = Agent::new();
    let lb = b.lease(&g).await;
    let p = b.get(&g, &lb, &format!("/v1/approvals/{id}/poll")).await;
    assert_eq!((p.status, p.body.len()), (404, 0));
}

#[tokio::test]
async fn bad_learn_path_after_claim_leaves_the_approval_claimed_so_retries_conflict() {
    let g = MockGate::builder().start().await.unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let id = pending(&g, &a, &l).await;
    let op = Op::of(&g);
    let r = op
        .call(
            &g,
            "POST",
            &format!("/v1/approvals/{id}/approve?learn_path=../x"),
            b"",
            &[],
        )
        .await;
    assert_eq!(
        r.text(),
        r#"{"error":"bad_request","deny_reason":"invalid learn_path '../x': parent traversal ('..') is not allowed in learned paths"}"#
    );
    let again = op
        .call(&g, "POST", &format!("/v1/approvals/{id}/approve"), b"", &[])
        .await;
    assert_eq!(
        (again.status, again.text().as_str()),
        (409, r#"{"error":"conflict"}"#)
    );
    let poll = a.get(&g, &l, &format!("/v1/approvals/{id}/poll")).await;
    assert_eq!(
        poll.text(),
        r#"{"status":"pending","retry_after_seconds":1}"#
    );
    g.clock().advance(Duration::from_secs(121));
    let retry = op
        .call(&g, "POST", &format!("/v1/approvals/{id}/approve"), b"", &[])
        .await;
    assert_eq!(retry.status, 200, "claim TTL lapsed: {}", retry.text());
}

#[tokio::test]
async fn approving_an_expired_plan_fails_with_internal_error_and_records_failed() {
    let g = MockGate::builder()
        .lease_ttl(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let id = pending(&g, &a, &l).await;
    g.clock().advance(Duration::from_secs(301));
    let op = Op::of(&g);
    let r = op
        .call(&g, "POST", &format!("/v1/approvals/{id}/approve"), b"", &[])
        .await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (500, r#"{"error":"internal_error"}"#)
    );
    let poll = a.get(&g, &l, &format!("/v1/approvals/{id}/poll")).await;
    assert_eq!(
        poll.text(),
        r#"{"status":"failed","reason":"plan integrity: execution plan expired before approval"}"#
    );
    // the failed approval still learned example.org (persisted before execution), so hold another domain
    let r2 = a
        .execute(
            &g,
            &l,
            "http_fetch",
            &json!({"url": "https://other.example.net/x"}),
        )
        .await;
    assert_eq!(r2.status, 202);
    let id2 = r2.json()["approval_id"].as_str().unwrap().to_string();
    g.clock().advance(Duration::from_secs(601));
    let gone = op
        .call(&g, "POST", &format!("/v1/approvals/{id2}/deny"), b"", &[])
        .await;
    assert_eq!(gone.status, 404, "past created + 600 s");
}

#[tokio::test]
async fn budget_allows_max_calls_then_policy_denies_exhaustion() {
    let g = MockGate::builder().start().await.unwrap();
    let a = Agent::new();
    let l = a.lease_with(&g, json!({"budgets": {"max_calls": 2}})).await;
    let body = json!({"url": "https://httpbin.org/get"});
    assert_eq!(a.execute(&g, &l, "http_fetch", &body).await.status, 200);
    assert_eq!(a.execute(&g, &l, "http_fetch", &body).await.status, 200);
    let r = a.execute(&g, &l, "http_fetch", &body).await;
    assert_eq!(
        r.text(),
        r#"{"error":"policy_denied","deny_reason":"budget exhausted: no calls remaining","principal":"dev:anonymous","action_id":"http_fetch","remediation":"Run: latchgate policy grant dev:anonymous http_fetch"}"#
    );
}

#[tokio::test]
async fn budgets_without_max_calls_are_born_exhausted() {
    let g = MockGate::builder().start().await.unwrap();
    for budgets in [
        json!({}),
        json!({"max_calls": null}),
        json!({"max_cost_usd_cents": 100}),
        json!({"max_calls": 0}),
    ] {
        let a = Agent::new();
        let l = a.lease_with(&g, json!({"budgets": budgets})).await;
        let r = a
            .execute(
                &g,
                &l,
                "http_fetch",
                &json!({"url": "https://httpbin.org/get"}),
            )
            .await;
        assert_eq!(
            r.json()["deny_reason"],
            json!("budget exhausted: no calls remaining"),
            "budgets {budgets}"
        );
    }
}

#[tokio::test]
async fn pending_approval_does_not_debit_and_approval_debits_the_original_session() {
    let g = MockGate::builder().start().await.unwrap();
    let a = Agent::new();
    let l = a.lease_with(&g, json!({"budgets": {"max_calls": 1}})).await;
    let id = pending(&g, &a, &l).await;
    let op = Op::of(&g);
    assert_eq!(
        op.call(&g, "POST", &format!("/v1/approvals/{id}/approve"), b"", &[])
            .await
            .status,
        200
    );
    let r = a
        .execute(
            &g,
            &l,
            "http_fetch",
            &json!({"url": "https://httpbin.org/get"}),
        )
        .await;
    assert_eq!(
        r.json()["deny_reason"],
        json!("budget exhausted: no calls remaining")
    );
}

#[tokio::test]
async fn provider_failure_is_502_and_not_refunded() {
    let spec = latchgate_mock::ActionSpec::from_yaml(
        "action_id: flaky\nversion: '1'\nprovider_module_digest: 'builtin:custom'\nrisk_level: low\n",
    )
    .unwrap();
    let provider = std::sync::Arc::new(latchgate_mock::FnProvider(|_c| {
        Err(latchgate_mock::ProviderError::runtime("boom"))
    }));
    let g = MockGate::builder()
        .action_with_provider(spec, provider)
        .grant("*", &["flaky"], &[])
        .start()
        .await
        .unwrap();
    let a = Agent::new();
    let l = a.lease_with(&g, json!({"budgets": {"max_calls": 1}})).await;
    let r = a.execute(&g, &l, "flaky", &json!({})).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (502, r#"{"error":"action_execution_failed"}"#)
    );
    let r = a.execute(&g, &l, "flaky", &json!({})).await;
    assert_eq!(
        r.json()["deny_reason"],
        json!("budget exhausted: no calls remaining")
    );
}

#[tokio::test]
async fn output_without_boolean_ok_is_422_schema_violation() {
    let spec = latchgate_mock::ActionSpec::from_yaml(
        "action_id: odd\nversion: '1'\nprovider_module_digest: 'builtin:custom'\n",
    )
    .unwrap();
    let g = MockGate::builder()
        .action_with_output(spec, json!({"ok": "yes"}))
        .grant("*", &["odd"], &[])
        .start()
        .await
        .unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let r = a.execute(&g, &l, "odd", &json!({})).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (422, r#"{"error":"schema_violation"}"#)
    );
}

#[tokio::test]
async fn drain_blocks_leases_execute_and_approve_but_not_deny() {
    let g = MockGate::builder().start().await.unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let id = pending(&g, &a, &l).await;
    let op = Op::of(&g);
    let d = op.call(&g, "POST", "/v1/admin/drain", b"", &[]).await;
    assert_eq!(
        d.text(),
        r#"{"already_draining":false,"draining":true,"in_flight_executions":0}"#
    );
    let draining = r#"{"error":"draining"}"#;
    let lease = send(
        &Target::client(&g),
        "POST",
        "/v1/leases",
        &[("content-type", "application/json")],
        json!({"scopes":["tools:call"],"dpop_jwk":a.jwk()})
            .to_string()
            .as_bytes(),
    )
    .await;
    assert_eq!((lease.status, lease.text().as_str()), (503, draining));
    assert_eq!(
        a.execute(&g, &l, "http_fetch", &json!({})).await.text(),
        draining
    );
    assert_eq!(
        op.call(&g, "POST", &format!("/v1/approvals/{id}/approve"), b"", &[])
            .await
            .text(),
        draining
    );
    assert_eq!(
        op.call(&g, "POST", &format!("/v1/approvals/{id}/deny"), b"", &[])
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn execute_rate_limit_is_per_session_with_retry_after() {
    let g = MockGate::builder()
        .rate_limits(RateLimits {
            execute_session_rps: 2,
            ..RateLimits::default()
        })
        .start()
        .await
        .unwrap();
    // The buckets refill by the gate's clock: frozen, the burst lands within one second.
    g.clock().freeze();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let mut statuses = vec![];
    for _ in 0..6 {
        let r = a
            .execute(
                &g,
                &l,
                "http_fetch",
                &json!({"url": "https://httpbin.org/get"}),
            )
            .await;
        statuses.push(r.status);
        if r.status == 429 {
            assert_eq!(r.text(), r#"{"error":"rate_limited"}"#);
            assert_eq!(r.header("retry-after").as_deref(), Some("1"));
        }
    }
    assert_eq!(
        statuses,
        [200, 200, 429, 429, 429, 429],
        "a 2 rps bucket serves two calls of a burst within one second"
    );
    let other = Agent::new();
    let lo = other.lease(&g).await;
    assert_eq!(
        other
            .execute(
                &g,
                &lo,
                "http_fetch",
                &json!({"url": "https://httpbin.org/get"})
            )
            .await
            .status,
        200,
        "buckets are per session"
    );
}

#[tokio::test]
async fn fs_read_returns_content_and_hash_evidence() {
    let root = support::fs_root_with(&[("src/a.rs", "fn main() {}\n")]);
    let g = support::fs_gate(root.path()).await;
    let a = Agent::new();
    let l = a.lease(&g).await;
    let r = a
        .execute(&g, &l, "fs_read", &support::fs_read("src/a.rs"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(
        v["output"]["data"]["content_base64"],
        json!("Zm4gbWFpbigpIHt9Cg==")
    );
    assert_eq!(v["verification_outcome"], json!("verified"));
    let held = a
        .execute(&g, &l, "fs_read", &support::fs_read("other/b.txt"))
        .await;
    assert_eq!(held.status, 202, "unlisted path is held for approval");
    let denied = a
        .execute(&g, &l, "fs_read", &support::fs_read("src/.env"))
        .await;
    assert_eq!(
        denied.status,
        202,
        "sensitive path needs approval: {}",
        denied.text()
    );
}

#[tokio::test]
async fn fault_answers_the_next_call_with_a_real_error_then_stops() {
    let g = MockGate::builder().start().await.unwrap();
    g.faults()
        .fail_next(Endpoint::Execute, 1, "policy_engine_unavailable")
        .unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let body = json!({"url": "https://httpbin.org/get"});
    let r = a.execute(&g, &l, "http_fetch", &body).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (503, r#"{"error":"policy_engine_unavailable"}"#)
    );
    assert_eq!(a.execute(&g, &l, "http_fetch", &body).await.status, 200);
    assert!(g
        .faults()
        .fail_next(Endpoint::Execute, 1, "made_up")
        .is_err());
}

#[tokio::test]
async fn raw_fault_plays_arbitrary_bytes_and_poll_errors_stay_empty() {
    let g = MockGate::builder().start().await.unwrap();
    g.faults()
        .inject(FaultRule::raw(
            Endpoint::Leases,
            1,
            302,
            &[("location", "/elsewhere")],
            "",
        ))
        .unwrap();
    let r = send(&Target::client(&g), "POST", "/v1/leases", &[], b"").await;
    assert_eq!(
        (r.status, r.header("location").as_deref()),
        (302, Some("/elsewhere"))
    );
    g.faults()
        .fail_next(Endpoint::Poll, 1, "store_unavailable")
        .unwrap();
    let p = send(&Target::client(&g), "GET", "/v1/approvals/x/poll", &[], b"").await;
    assert_eq!((p.status, p.body.len()), (503, 0));
}

#[tokio::test]
async fn dropped_connection_before_effect_does_not_debit_and_after_effect_does() {
    let g = MockGate::builder().start().await.unwrap();
    let a = Agent::new();
    let l = a.lease_with(&g, json!({"budgets": {"max_calls": 1}})).await;
    let body = json!({"url": "https://httpbin.org/get"});
    let path = "/v1/actions/http_fetch/execute";
    let send_once = || async {
        let p = a.proof("POST", &format!("{}{path}", g.public_base_url()), &l.token);
        let authz = format!("DPoP {}", l.token);
        try_send(
            &Target::client(&g),
            "POST",
            path,
            &[("authorization", &authz), ("dpop", &p)],
            body.to_string().as_bytes(),
        )
        .await
    };
    g.faults()
        .inject(FaultRule::new(
            Endpoint::Execute,
            1,
            FaultAction::DropBeforeEffect,
        ))
        .unwrap();
    assert!(send_once().await.is_err(), "connection dropped");
    g.faults()
        .inject(FaultRule::new(
            Endpoint::Execute,
            1,
            FaultAction::DropAfterEffect,
        ))
        .unwrap();
    assert!(
        send_once().await.is_err(),
        "connection dropped after the effect"
    );
    let r = send_once().await.unwrap();
    assert_eq!(
        r.json()["deny_reason"],
        json!("budget exhausted: no calls remaining"),
        "the second call was debited"
    );
    let receipts = g
        .journal()
        .matching("POST", path)
        .iter()
        .filter(|e| e.status == 200)
        .count();
    assert_eq!(receipts, 1, "exactly one effect");
}

#[tokio::test]
async fn short_lease_ttl_applies_to_the_next_lease_only() {
    let g = MockGate::builder().start().await.unwrap();
    g.faults().set_next_lease_ttl(5, 1);
    let a = Agent::new();
    let l1 = a.lease(&g).await;
    let l2 = a.lease(&g).await;
    let exp = |l: &support::Lease| {
        chrono::DateTime::parse_from_rfc3339(l.body["expires_at"].as_str().unwrap())
            .unwrap()
            .timestamp()
    };
    let now = g.clock().now_unix();
    assert!((4..=6).contains(&(exp(&l1) - now)), "first lease 5 s");
    assert!((299..=301).contains(&(exp(&l2) - now)), "then 300 s");
}

#[tokio::test]
async fn unix_sockets_serve_both_routers_with_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let g = MockGate::builder().sockets_only().start().await.unwrap();
    let sock = g.socket_path().unwrap().to_path_buf();
    assert_eq!(
        std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(g.public_base_url(), "http://localhost:3000");
    let h = send(&Target::Unix(sock.clone()), "GET", "/healthz", &[], b"").await;
    assert_eq!(h.text(), r#"{"status":"ok"}"#);
    let c = g.control_client().unwrap();
    assert_eq!(c.journal_entries().await.unwrap().len(), 1);
    g.shutdown().await;
    assert!(!sock.exists(), "socket removed on shutdown");
}

#[tokio::test]
async fn stale_socket_file_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gate.sock");
    std::fs::write(&path, "stale").unwrap();
    let g = MockGate::builder()
        .client_listeners(vec![latchgate_mock::Bind::Unix(path.clone())])
        .start()
        .await
        .unwrap();
    assert_eq!(
        send(&Target::Unix(path), "GET", "/healthz", &[], b"")
            .await
            .status,
        200
    );
    drop(g);
}

#[tokio::test]
async fn control_api_drives_journal_clock_faults_and_reset() {
    let g = MockGate::builder().start().await.unwrap();
    let c = g.control_client().unwrap();
    c.freeze_clock(true).await.unwrap();
    let t0 = c.now_unix_ms().await.unwrap();
    c.advance_clock(Duration::from_secs(10)).await.unwrap();
    assert_eq!(c.now_unix_ms().await.unwrap() - t0, 10_000);
    c.inject_fault(FaultRule::error(Endpoint::Health, 1, "draining"))
        .await
        .unwrap();
    let h = send(&Target::client(&g), "GET", "/healthz", &[], b"").await;
    assert_eq!(h.text(), r#"{"error":"draining"}"#);
    let j = c.journal_entries().await.unwrap();
    assert_eq!((j.len(), j[0].error.as_deref()), (1, Some("draining")));
    c.reset().await.unwrap();
    assert!(c.journal_entries().await.unwrap().is_empty());
    assert!(!g.clock().is_frozen());
    let bad = c.call("POST", "/_mock/faults", Some(json!({"endpoint": "execute", "times": 1, "action": {"kind": "error", "code": "nope"}}))).await;
    assert!(bad.is_err());
}

#[tokio::test]
async fn journal_records_decoded_proofs_and_verdicts() {
    let g = MockGate::builder().start().await.unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    a.execute(
        &g,
        &l,
        "http_post",
        &json!({"url": "https://httpbin.org/post", "body": ""}),
    )
    .await;
    let e = g.journal().entries().pop().unwrap();
    assert_eq!(
        (e.method.as_str(), e.status, e.error.as_deref()),
        ("POST", 403, Some("policy_denied"))
    );
    let proof = e.dpop.unwrap();
    assert_eq!(proof.header["typ"], json!("dpop+jwt"));
    assert_eq!(proof.claims["htm"], json!("POST"));
}

#[tokio::test]
async fn operator_client_from_the_handle_approves() {
    let g = MockGate::builder().start().await.unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let id = pending(&g, &a, &l).await;
    let op = g.operator().unwrap();
    let out = op.approve(&id, latchgate::ApproveOptions::default()).await;
    assert!(out.is_ok(), "{out:?}");
}

#[tokio::test]
async fn peercred_identity_maps_the_socket_peer_uid_and_refuses_tcp() {
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let mut principals = std::collections::BTreeMap::new();
    principals.insert(
        uid.to_string(),
        latchgate_mock::PeerPrincipal {
            principal: "alice".into(),
            scopes: vec!["tools:call".into()],
            owner: Some("team-a".into()),
        },
    );
    let g = MockGate::builder()
        .temp_sockets()
        .identity(latchgate_mock::Identity::Peercred {
            principals,
            allow_unmapped: false,
        })
        .start()
        .await
        .unwrap();
    let a = Agent::new();
    let body = json!({"scopes": ["tools:call", "audit:read"], "dpop_jwk": a.jwk()}).to_string();
    let tcp = send(
        &Target::client(&g),
        "POST",
        "/v1/leases",
        &[("content-type", "application/json")],
        body.as_bytes(),
    )
    .await;
    assert_eq!(
        (tcp.status, tcp.text().as_str()),
        (401, r#"{"error":"identity_unauthenticated"}"#)
    );
    let uds = send(
        &Target::Unix(g.socket_path().unwrap().into()),
        "POST",
        "/v1/leases",
        &[("content-type", "application/json")],
        body.as_bytes(),
    )
    .await;
    assert_eq!(uds.status, 200, "{}", uds.text());
    use base64::Engine;
    let token = uds.json()["lease_jwt"].as_str().unwrap().to_string();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (claims["sub"].as_str(), claims["owner"].as_str()),
        (Some("alice"), Some("team-a"))
    );
    assert_eq!(
        claims["scope"],
        json!(["tools:call"]),
        "scopes filtered by the identity's max scopes"
    );
}

#[tokio::test]
async fn reload_rereads_the_policy_file() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.json");
    std::fs::write(&policy, r#"{"policy_version":"v1","acl":{"*":{"allowed_actions":["http_fetch"],"allowed_sinks":["http_read"]}}}"#).unwrap();
    let g = MockGate::builder()
        .policy_file(&policy)
        .start()
        .await
        .unwrap();
    std::fs::write(&policy, r#"{"policy_version":"v2","acl":{}}"#).unwrap();
    let r = Op::of(&g)
        .call(&g, "POST", "/v1/admin/reload", b"", &[])
        .await;
    let v = r.json();
    assert_eq!(
        (
            v["ok"].as_bool(),
            v["actions"].as_u64(),
            v["policy_version"].as_str()
        ),
        (Some(true), Some(4), Some("v2"))
    );
    let a = Agent::new();
    let l = a.lease(&g).await;
    assert_eq!(
        a.execute(
            &g,
            &l,
            "http_fetch",
            &json!({"url": "https://httpbin.org/get"})
        )
        .await
        .status,
        403
    );
}

#[tokio::test]
async fn revoke_all_bumps_the_epoch_and_leaves_leases_valid() {
    let g = MockGate::builder().start().await.unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let op = Op::of(&g);
    assert_eq!(
        op.call(&g, "POST", "/v1/admin/revoke-all", b"", &[])
            .await
            .text(),
        r#"{"current_epoch":1,"previous_epoch":0}"#
    );
    assert_eq!(
        op.call(&g, "GET", "/v1/admin/epoch", b"", &[]).await.text(),
        r#"{"current_epoch":1}"#
    );
    assert_eq!(
        a.execute(
            &g,
            &l,
            "http_fetch",
            &json!({"url": "https://httpbin.org/get"})
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn lease_rate_limit_answers_rate_limit_exceeded_without_retry_after() {
    let g = MockGate::builder()
        .rate_limits(RateLimits {
            lease_rps: 1,
            ..RateLimits::default()
        })
        .start()
        .await
        .unwrap();
    // The bucket refills by the gate's clock: frozen, both requests fall within one second.
    g.clock().freeze();
    let a = Agent::new();
    let body = json!({"scopes": ["tools:call"], "dpop_jwk": a.jwk()}).to_string();
    let h = [("content-type", "application/json")];
    let first = send(
        &Target::client(&g),
        "POST",
        "/v1/leases",
        &h,
        body.as_bytes(),
    )
    .await;
    let second = send(
        &Target::client(&g),
        "POST",
        "/v1/leases",
        &h,
        body.as_bytes(),
    )
    .await;
    assert_eq!(first.status, 200);
    assert_eq!(
        (
            second.status,
            second.text().as_str(),
            second.header("retry-after")
        ),
        (429, r#"{"error":"rate_limit_exceeded"}"#, None)
    );
    g.clock().advance(std::time::Duration::from_secs(1));
    let next_second = send(
        &Target::client(&g),
        "POST",
        "/v1/leases",
        &h,
        body.as_bytes(),
    )
    .await;
    assert_eq!(
        next_second.status,
        200,
        "the bucket refills at the next second: {}",
        next_second.text()
    );
}

#[tokio::test]
async fn approve_reports_specific_operator_auth_errors() {
    let g = MockGate::builder().start().await.unwrap();
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
        assert_eq!((r.status, r.text().as_str()), (401, want));
    }
    let stranger = Agent::new();
    let p = stranger.proof_at(
        &g,
        "POST",
        &format!("{}{path}", g.public_base_url()),
        &op.api_key,
    );
    let r = send(
        &t,
        "POST",
        path,
        &[("authorization", &good), ("dpop", &p)],
        b"",
    )
    .await;
    assert_eq!(
        r.text(),
        r#"{"error":"key_binding_failed","deny_reason":"DPoP proof thumbprint does not match configured dpop_jkt"}"#
    );
    let r = send(
        &t,
        "POST",
        path,
        &[("authorization", &good), ("dpop", &proof)],
        b"",
    )
    .await;
    assert_eq!(r.text(), r#"{"error":"action_not_found"}"#);
    let r = send(
        &t,
        "POST",
        path,
        &[("authorization", &good), ("dpop", &proof)],
        b"",
    )
    .await;
    assert_eq!(
        r.text(),
        r#"{"error":"replay_detected"}"#,
        "operator proofs share the replay cache"
    );
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
    let yaml = "action_id: fetch_local\nversion: '1'\nprovider_module_digest: 'builtin:http_api'\nverifier_kind: http_status\n\
        template: {method: GET, url_template: '{{url}}'}\negress: {profile: proxy_allowlist, allowed_domains: ['127.0.0.1']}\n\
        declared_side_effects: [http_read]\n";
    let spec = latchgate_mock::ActionSpec::from_yaml(yaml).unwrap();
    let g = MockGate::builder()
        .action_with_provider(spec, std::sync::Arc::new(latchgate_mock::HttpProvider))
        .grant("*", &["fetch_local"], &[])
        .start()
        .await
        .unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let r = a
        .execute(
            &g,
            &l,
            "fetch_local",
            &json!({"url": format!("{}/data", upstream.uri())}),
        )
        .await;
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
async fn delay_fault_still_runs_the_handler_and_is_journalled() {
    let g = MockGate::builder().start().await.unwrap();
    g.faults()
        .inject(FaultRule::new(
            Endpoint::Health,
            1,
            FaultAction::Delay { ms: 1 },
        ))
        .unwrap();
    let r = send(&Target::client(&g), "GET", "/healthz", &[], b"").await;
    assert_eq!(r.text(), r#"{"status":"ok"}"#);
    let e = g.journal().entries().pop().unwrap();
    assert_eq!(e.fault.as_deref(), Some("Delay { ms: 1 }"));
    assert!(g.faults().rules().is_empty(), "used up");
}

#[tokio::test]
async fn fs_write_is_held_then_writes_the_file_on_approval() {
    let root = support::fs_root_with(&[("src/", "")]);
    let g = support::fs_write_gate(root.path()).await;
    let body = json!({"operation": "write", "path": "src/new.rs", "content_base64": "aGk=", "mode": "create"});
    let ok = support::held_then_approved(&g, "fs_write", &body).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["verification_outcome"], json!("verified"));
    assert_eq!(
        std::fs::read_to_string(root.path().join("src/new.rs")).unwrap(),
        "hi"
    );
    let rid = ok.json()["receipt_id"].as_str().unwrap().to_string();
    let admin = Op::of(&g)
        .call(&g, "GET", &format!("/v1/receipts/{rid}"), b"", &[])
        .await;
    assert_eq!(
        admin.json()["verification_outcome"]["evidence"]["operation"],
        json!("create")
    );
    let l = Agent::new().lease(&g).await;
    let agent_on_admin = send(
        &Target::admin(&g),
        "GET",
        &format!("/v1/receipts/{rid}"),
        &[("authorization", &format!("DPoP {}", l.token))],
        b"",
    )
    .await;
    assert_eq!(
        agent_on_admin.text(),
        r#"{"error":"unauthorized"}"#,
        "admin receipts need operator auth"
    );
}
