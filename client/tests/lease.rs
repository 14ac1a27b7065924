//! Lease requests on the wire: bodies, fresh keys, lazy connect, what the answer must hold
//! (C-KEY-01, C-LEASE, C-CONN-01).

mod support;

use std::time::Duration;

use latchgate::{ConnectOptions, ErrorKind};
use serde_json::{json, Value};
use support::wire::{answer_json, builder, executing_gate, lease_bodies, lease_once, requests_to};
use support::{manual_clock, T0};
use wiremock::MockServer;

#[tokio::test]
async fn default_lease_body_is_exactly_default_scopes_and_the_jwk() {
    let server = executing_gate(300).await;
    let c = builder(&server, manual_clock()).build().unwrap();
    c.connect(ConnectOptions::new()).await.unwrap();
    let lease = &requests_to(&server, "/v1/leases").await[0];
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
    let members = jwk.as_object().unwrap().len();
    assert_eq!(members, 4, "jwk has exactly four members: {jwk}");
    assert_eq!((&jwk["kty"], &jwk["crv"]), (&json!("EC"), &json!("P-256")));
    let coordinates = (jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap());
    assert_eq!((coordinates.0.len(), coordinates.1.len()), (43, 43));
}

#[tokio::test]
async fn lease_body_carries_scopes_verbatim_budget_and_fs_root() {
    let server = executing_gate(300).await;
    let c = builder(&server, manual_clock()).build().unwrap();
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
    let members = body.as_object().unwrap().len();
    assert_eq!(members, 4, "no other member: {body}");
}

#[tokio::test]
async fn every_lease_uses_a_fresh_key_and_proofs_carry_that_leases_key() {
    let server = executing_gate(300).await;
    let c = builder(&server, manual_clock()).build().unwrap();
    for _ in 0..2 {
        c.connect(ConnectOptions::new()).await.unwrap();
        c.execute("fs_read", json!({"path": "a"})).await.unwrap();
    }
    let bodies = lease_bodies(&server).await;
    assert_ne!(
        bodies[0]["dpop_jwk"], bodies[1]["dpop_jwk"],
        "two leases, two keys"
    );
    let execs = requests_to(&server, "/v1/actions/fs_read/execute").await;
    let htu = format!("{}/v1/actions/fs_read/execute", server.uri());
    for (i, (exec, jwt)) in execs.iter().zip(["jwt-1", "jwt-2"]).enumerate() {
        let jwk = &bodies[i]["dpop_jwk"];
        support::check_proof(&exec.headers, jwk, jwt, "POST", &htu);
    }
}

#[tokio::test]
async fn lazy_connect_needs_an_agent_id_or_lease_parameters() {
    let server = executing_gate(300).await;
    let c = builder(&server, manual_clock()).build().unwrap();
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotConnected);
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "NotConnected is pre-I/O"
    );
    let c = builder(&server, manual_clock())
        .agent_id("a")
        .build()
        .unwrap();
    c.execute("fs_read", json!({})).await.unwrap();
    let bodies = lease_bodies(&server).await;
    let jwk = &bodies[0]["dpop_jwk"];
    assert_eq!(bodies, [json!({"scopes": ["tools:call"], "dpop_jwk": jwk})]);
}

#[tokio::test]
async fn agent_id_is_never_sent() {
    let server = executing_gate(300).await;
    let c = builder(&server, manual_clock())
        .agent_id("agent-xyz")
        .build()
        .unwrap();
    c.execute("fs_read", json!({})).await.unwrap();
    for r in server.received_requests().await.unwrap() {
        let body = String::from_utf8_lossy(&r.body);
        let text = format!("{} {:?} {body}", r.url, r.headers);
        assert!(!text.contains("agent-xyz"), "agent id leaked in {text}");
    }
}

#[tokio::test]
async fn malformed_lease_answer_is_a_protocol_error_and_changes_nothing() {
    let server = MockServer::start().await;
    lease_once(&server).await;
    let bad_answers = [
        json!({"lease_jwt": "j", "session_id": "s", "lease_jti": "i"}),
        json!({"lease_jwt": "j", "session_id": "s", "lease_jti": "i", "expires_at": "tomorrow"}),
        json!({"lease_jwt": "", "session_id": "s", "lease_jti": "i", "expires_at": "2026-01-01T00:00:00Z"}),
        json!({"lease_jwt": 1, "session_id": "s", "lease_jti": "i", "expires_at": "2026-01-01T00:00:00Z"}),
        json!(["not", "an", "object"]),
    ];
    let c = builder(&server, manual_clock()).build().unwrap();
    c.connect(ConnectOptions::new()).await.unwrap();
    for bad in bad_answers {
        server.reset().await;
        answer_json(&server, "POST /v1/leases", 200, bad.clone()).await;
        let options = ConnectOptions::new().max_calls(9);
        let err = c.connect(options).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ProtocolError, "answer {bad}");
        let session = c.session_id();
        assert_eq!(
            session.as_deref(),
            Some("session-1"),
            "lease kept after {bad}"
        );
        let max_calls = c.lease_params().unwrap().max_calls;
        assert_eq!(max_calls, None, "parameters kept after {bad}");
    }
}

#[tokio::test]
async fn expires_at_with_fraction_and_offset_is_accepted() {
    let server = MockServer::start().await;
    let lease = json!({
        "lease_jwt": "j", "session_id": "s", "lease_jti": "i",
        "expires_at": "2026-01-01T01:05:00.250+01:00", "fs_root": "/home/a", "extra": true,
    });
    answer_json(&server, "POST /v1/leases", 200, lease).await;
    let c = builder(&server, manual_clock()).build().unwrap();
    let info = c.connect(ConnectOptions::new()).await.unwrap();
    let expected = std::time::UNIX_EPOCH + Duration::from_millis((T0 + 300) * 1000 + 250);
    assert_eq!(info.expires_at, expected);
    assert_eq!(info.fs_root.as_deref(), Some("/home/a"));
}

#[tokio::test]
async fn explicit_connect_exposes_the_canonical_fs_root() {
    let server = MockServer::start().await;
    let lease = json!({
        "lease_jwt": "j", "session_id": "s", "lease_jti": "i",
        "expires_at": support::rfc3339(T0 + 300), "fs_root": "/home/u/proj",
    });
    answer_json(&server, "POST /v1/leases", 200, lease).await;
    let c = builder(&server, manual_clock()).build().unwrap();
    let options = ConnectOptions::new().fs_root("/home/u/./proj");
    let info = c.connect(options).await.unwrap();
    assert_eq!(info.fs_root.as_deref(), Some("/home/u/proj"));
    let held = c.lease_info().unwrap().fs_root;
    assert_eq!(held.as_deref(), Some("/home/u/proj"));
}
