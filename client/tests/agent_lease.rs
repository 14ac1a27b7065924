//! Leases on the wire: request bodies, fresh keys, renewal timing on an injected clock,
//! coalescing, session changes and their notifications (C-KEY-01, C-LEASE, C-CONN).

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use latchgate::{Client, ConnectOptions, ErrorKind, LeaseCause, LeaseEvent};
use serde_json::{json, Value};
use support::{LeaseResponder, T0};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn gate_with_leases(ttl: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/leases"))
        .respond_with(LeaseResponder::fixed(T0, ttl))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/actions/fs_read/execute"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "decision": "executed", "trace_id": "t", "action_id": "fs_read", "grant_id": "g",
            "receipt_id": "r", "output": {"ok": true}, "verification_outcome": "unverifiable_declared",
            "verification": {"outcome": "unverifiable_declared", "is_fully_successful": true},
            "runtime": {"duration_ms": 3, "exit_code": 0, "fuel_consumed": 10},
        })))
        .mount(&server)
        .await;
    server
}

async fn lease_bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v1/leases")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

fn client(server: &MockServer, clock: Arc<latchgate::ManualClock>) -> latchgate::ClientBuilder {
    Client::builder().base_url(server.uri()).clock(clock)
}

#[tokio::test]
async fn default_lease_body_is_exactly_default_scopes_and_the_jwk() {
    let server = gate_with_leases(300).await;
    let c = client(&server, support::manual_clock()).build().unwrap();
    c.connect(ConnectOptions::new()).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let lease = &requests[0];
    assert_eq!(
        lease.headers.get("content-type").unwrap(),
        "application/json"
    );
    assert!(
        lease.headers.get("authorization").is_none(),
        "no Authorization on LEASE"
    );
    assert!(lease.headers.get("dpop").is_none(), "no DPoP on LEASE");
    let body: Value = serde_json::from_slice(&lease.body).unwrap();
    let jwk = &body["dpop_jwk"];
    assert_eq!(body, json!({"scopes": ["tools:call"], "dpop_jwk": jwk}));
    let members: Vec<&str> = jwk
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(members.len(), 4, "jwk has exactly four members: {jwk}");
    assert_eq!((&jwk["kty"], &jwk["crv"]), (&json!("EC"), &json!("P-256")));
    assert_eq!(
        (
            jwk["x"].as_str().unwrap().len(),
            jwk["y"].as_str().unwrap().len()
        ),
        (43, 43)
    );
}

#[tokio::test]
async fn lease_body_carries_scopes_verbatim_budget_and_fs_root() {
    let server = gate_with_leases(300).await;
    let c = client(&server, support::manual_clock()).build().unwrap();
    let options = ConnectOptions::new()
        .scopes(["tools:call", "email:send", "tools:call"])
        .max_calls(5)
        .fs_root("/home/agent/work");
    c.connect(options).await.unwrap();
    let body = &lease_bodies(&server).await[0];
    assert_eq!(
        body["scopes"],
        json!(["tools:call", "email:send", "tools:call"])
    );
    assert_eq!(body["budgets"], json!({"max_calls": 5}));
    assert_eq!(body["fs_root"], "/home/agent/work");
    assert_eq!(
        body.as_object().unwrap().len(),
        4,
        "no other member: {body}"
    );
}

#[tokio::test]
async fn every_lease_uses_a_fresh_key_and_proofs_carry_that_leases_key() {
    let server = gate_with_leases(300).await;
    let c = client(&server, support::manual_clock()).build().unwrap();
    c.connect(ConnectOptions::new()).await.unwrap();
    c.execute("fs_read", json!({"path": "a"})).await.unwrap();
    c.connect(ConnectOptions::new()).await.unwrap();
    c.execute("fs_read", json!({"path": "a"})).await.unwrap();
    let bodies = lease_bodies(&server).await;
    assert_ne!(
        bodies[0]["dpop_jwk"], bodies[1]["dpop_jwk"],
        "two leases, two keys"
    );
    let execs: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path().ends_with("/execute"))
        .collect();
    let htu = format!("{}/v1/actions/fs_read/execute", server.uri());
    support::check_proof(
        &execs[0].headers,
        &bodies[0]["dpop_jwk"],
        "jwt-1",
        "POST",
        &htu,
    );
    support::check_proof(
        &execs[1].headers,
        &bodies[1]["dpop_jwk"],
        "jwt-2",
        "POST",
        &htu,
    );
}

#[tokio::test]
async fn renewal_happens_only_with_less_than_sixty_seconds_left() {
    let server = gate_with_leases(300).await;
    let clock = support::manual_clock();
    let c = client(&server, clock.clone())
        .agent_id("agent-1")
        .build()
        .unwrap();
    c.execute("fs_read", json!({})).await.unwrap();
    clock.advance(Duration::from_secs(240)); // exactly 60 s left
    c.execute("fs_read", json!({})).await.unwrap();
    assert_eq!(
        lease_bodies(&server).await.len(),
        1,
        "60 s left must not renew"
    );
    clock.advance(Duration::from_secs(1)); // 59 s left
    c.execute("fs_read", json!({})).await.unwrap();
    assert_eq!(lease_bodies(&server).await.len(), 2, "59 s left must renew");
}

#[tokio::test]
async fn lease_renewal_preserves_budgets_scopes_and_fs_root() {
    let server = gate_with_leases(30).await;
    let c = client(&server, support::manual_clock()).build().unwrap();
    let options = ConnectOptions::new()
        .scopes(["tools:call", "email:send"])
        .max_calls(5)
        .fs_root("/srv/x");
    c.connect(options).await.unwrap();
    let first_session = c.session_id();
    c.execute("fs_read", json!({})).await.unwrap(); // 30 s left: renews first
    let mut bodies = lease_bodies(&server).await;
    assert_eq!(bodies.len(), 2);
    assert_ne!(bodies[0]["dpop_jwk"], bodies[1]["dpop_jwk"]);
    for body in &mut bodies {
        body.as_object_mut().unwrap().remove("dpop_jwk");
    }
    assert_eq!(
        bodies[0], bodies[1],
        "renewal re-sends the lease parameters"
    );
    assert_ne!(c.session_id(), first_session);
    assert_eq!(c.session_id().as_deref(), Some("session-2"));
    assert_eq!(c.lease_jti().as_deref(), Some("jti-2"));
}

type Change = (Option<String>, String, LeaseCause);

#[tokio::test]
async fn session_change_is_notified_with_its_cause() {
    let server = gate_with_leases(30).await;
    let c = client(&server, support::manual_clock()).build().unwrap();
    let events: Arc<Mutex<Vec<Change>>> = Default::default();
    let sink = Arc::clone(&events);
    c.on_lease_change(move |e| {
        if let LeaseEvent::Changed {
            old_session_id,
            new_session_id,
            cause,
        } = e
        {
            sink.lock()
                .unwrap()
                .push((old_session_id.clone(), new_session_id.clone(), *cause));
        }
    });
    c.connect(ConnectOptions::new()).await.unwrap();
    c.execute("fs_read", json!({})).await.unwrap();
    assert_eq!(
        *events.lock().unwrap(),
        [
            (None, "session-1".to_owned(), LeaseCause::Explicit),
            (
                Some("session-1".to_owned()),
                "session-2".to_owned(),
                LeaseCause::Renewal
            ),
        ]
    );
}

#[tokio::test]
async fn lazy_connect_needs_an_agent_id_or_lease_parameters() {
    let server = gate_with_leases(300).await;
    let c = client(&server, support::manual_clock()).build().unwrap();
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotConnected);
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "NotConnected is pre-I/O"
    );
    let c = client(&server, support::manual_clock())
        .agent_id("a")
        .build()
        .unwrap();
    c.execute("fs_read", json!({})).await.unwrap();
    assert_eq!(
        lease_bodies(&server).await,
        [json!({"scopes": ["tools:call"], "dpop_jwk": lease_bodies(&server).await[0]["dpop_jwk"]})]
    );
}

#[tokio::test]
async fn agent_id_is_never_sent() {
    let server = gate_with_leases(300).await;
    let c = client(&server, support::manual_clock())
        .agent_id("agent-xyz")
        .build()
        .unwrap();
    c.execute("fs_read", json!({})).await.unwrap();
    for r in server.received_requests().await.unwrap() {
        let text = format!(
            "{} {:?} {}",
            r.url,
            r.headers,
            String::from_utf8_lossy(&r.body)
        );
        assert!(!text.contains("agent-xyz"), "agent id leaked in {text}");
    }
}

#[tokio::test]
async fn failed_renewal_with_unavailable_keeps_the_valid_lease_and_notifies() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/leases"))
        .respond_with(LeaseResponder::fixed(T0, 300))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/leases"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"error": "draining"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/actions/fs_read/execute"))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(json!({"error": "action_not_registered"})),
        )
        .mount(&server)
        .await;
    let clock = support::manual_clock();
    let c = client(&server, clock.clone()).build().unwrap();
    let failures: Arc<Mutex<Vec<ErrorKind>>> = Default::default();
    let sink = Arc::clone(&failures);
    c.on_lease_change(move |e| {
        if let LeaseEvent::RenewalFailed { error, .. } = e {
            sink.lock().unwrap().push(error.kind());
        }
    });
    c.connect(ConnectOptions::new()).await.unwrap();
    clock.advance(Duration::from_secs(250));
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Denied,
        "the call went ahead with the current lease"
    );
    assert_eq!(c.session_id().as_deref(), Some("session-1"));
    assert_eq!(*failures.lock().unwrap(), [ErrorKind::Unavailable]);
}

#[tokio::test]
async fn failed_renewal_with_a_denial_propagates_and_keeps_the_lease() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/leases"))
        .respond_with(LeaseResponder::fixed(T0, 300))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/leases"))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(json!({"error": "scope_not_permitted"})),
        )
        .mount(&server)
        .await;
    let clock = support::manual_clock();
    let c = client(&server, clock.clone()).build().unwrap();
    c.connect(ConnectOptions::new()).await.unwrap();
    clock.advance(Duration::from_secs(250));
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::Denied, Some("scope_not_permitted"))
    );
    assert_eq!(c.session_id().as_deref(), Some("session-1"));
}

#[tokio::test]
async fn malformed_lease_answer_is_a_protocol_error_and_changes_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/leases"))
        .respond_with(LeaseResponder::fixed(T0, 300))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let bad_answers = [
        json!({"lease_jwt": "j", "session_id": "s", "lease_jti": "i"}),
        json!({"lease_jwt": "j", "session_id": "s", "lease_jti": "i", "expires_at": "tomorrow"}),
        json!({"lease_jwt": "", "session_id": "s", "lease_jti": "i", "expires_at": "2026-01-01T00:00:00Z"}),
        json!({"lease_jwt": 1, "session_id": "s", "lease_jti": "i", "expires_at": "2026-01-01T00:00:00Z"}),
        json!(["not", "an", "object"]),
    ];
    let c = client(&server, support::manual_clock()).build().unwrap();
    c.connect(ConnectOptions::new()).await.unwrap();
    for answer in bad_answers {
        server.reset().await;
        Mock::given(method("POST"))
            .and(path("/v1/leases"))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer.clone()))
            .mount(&server)
            .await;
        let err = c
            .connect(ConnectOptions::new().max_calls(9))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ProtocolError, "answer {answer}");
        assert_eq!(
            c.session_id().as_deref(),
            Some("session-1"),
            "lease kept after {answer}"
        );
        assert_eq!(
            c.lease_params().unwrap().max_calls,
            None,
            "parameters kept after {answer}"
        );
    }
}

#[tokio::test]
async fn expires_at_with_fraction_and_offset_is_accepted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/leases"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "lease_jwt": "j", "session_id": "s", "lease_jti": "i",
            "expires_at": "2026-01-01T01:05:00.250+01:00", "fs_root": "/home/a", "extra": true,
        })))
        .mount(&server)
        .await;
    let c = client(&server, support::manual_clock()).build().unwrap();
    let info = c.connect(ConnectOptions::new()).await.unwrap();
    let expected = std::time::UNIX_EPOCH + Duration::from_millis((T0 + 300) * 1000 + 250);
    assert_eq!(info.expires_at, expected);
    assert_eq!(info.fs_root.as_deref(), Some("/home/a"));
}

#[tokio::test]
async fn invalid_lease_from_execute_discards_the_lease_and_the_next_call_relogs_in() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/leases"))
        .respond_with(LeaseResponder::fixed(T0, 300))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/actions/fs_read/execute"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_lease"})))
        .mount(&server)
        .await;
    let c = client(&server, support::manual_clock()).build().unwrap();
    let causes: Arc<Mutex<Vec<LeaseCause>>> = Default::default();
    let sink = Arc::clone(&causes);
    c.on_lease_change(move |e| {
        if let LeaseEvent::Changed { cause, .. } = e {
            sink.lock().unwrap().push(*cause);
        }
    });
    c.connect(ConnectOptions::new().max_calls(3)).await.unwrap();
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthError);
    assert_eq!(c.session_id(), None, "the rejected lease is dropped");
    let _ = c.execute("fs_read", json!({})).await;
    let bodies = lease_bodies(&server).await;
    assert_eq!(
        bodies.len(),
        2,
        "one re-lease, the failed call itself is not retried"
    );
    assert_eq!(bodies[1]["budgets"], json!({"max_calls": 3}));
    assert_eq!(
        *causes.lock().unwrap(),
        [LeaseCause::Explicit, LeaseCause::Relogin]
    );
}

#[tokio::test]
async fn without_auto_renew_an_expired_lease_is_lease_expired_before_any_io() {
    let server = gate_with_leases(300).await;
    let clock = support::manual_clock();
    let c = client(&server, clock.clone())
        .auto_renew(false)
        .build()
        .unwrap();
    c.connect(ConnectOptions::new()).await.unwrap();
    clock.advance(Duration::from_secs(250));
    c.execute("fs_read", json!({}))
        .await
        .expect("inside the window, no renewal, still valid");
    clock.advance(Duration::from_secs(50));
    let before = server.received_requests().await.unwrap().len();
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LeaseExpired);
    assert!(err.transient());
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        before,
        "pre-I/O"
    );
    assert_eq!(lease_bodies(&server).await.len(), 1);
}

#[tokio::test]
async fn concurrent_lazy_connects_make_one_lease_request() {
    // The lease answer is held until every caller is waiting, so all of them overlap.
    use support::gate::{Reply, ScriptedGate};
    let release = Arc::new(tokio::sync::Notify::new());
    let gate_release = Arc::clone(&release);
    let leases = Arc::new(LeaseResponder::fixed(T0, 300));
    let gate = ScriptedGate::tcp(Arc::new(move |req| {
        let release = Arc::clone(&gate_release);
        let leases = Arc::clone(&leases);
        Box::pin(async move {
            if req.target == "/v1/leases" {
                release.notified().await;
                return Reply::json(200, leases.body());
            }
            Reply::json(200, json!({"decision": "executed", "trace_id": "t", "grant_id": "g", "receipt_id": "r"}))
        })
    }))
    .await;
    let c = Client::builder()
        .base_url(gate.url.clone().unwrap())
        .agent_id("a")
        .clock(support::manual_clock())
        .build()
        .unwrap();
    let calls: Vec<_> = (0..16)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.execute("fs_read", json!({})).await })
        })
        .collect();
    while gate.count("POST", "/v1/leases") == 0 {
        tokio::task::yield_now().await;
    }
    for _ in 0..64 {
        tokio::task::yield_now().await;
    }
    release.notify_waiters();
    release.notify_one();
    for call in calls {
        call.await.unwrap().expect("every waiter gets the lease");
    }
    assert_eq!(gate.count("POST", "/v1/leases"), 1);
    assert_eq!(gate.count("POST", "/v1/actions/fs_read/execute"), 16);
}

#[tokio::test]
async fn a_failed_coalesced_lease_is_not_cached() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/leases"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"error": "draining"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/leases"))
        .respond_with(LeaseResponder::fixed(T0, 300))
        .mount(&server)
        .await;
    let c = client(&server, support::manual_clock())
        .agent_id("a")
        .build()
        .unwrap();
    let err = c.get_receipt("r1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    let _ = c.get_receipt("r1").await;
    assert_eq!(lease_bodies(&server).await.len(), 2);
}
