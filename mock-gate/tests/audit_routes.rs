//! Audit routes: `GET /v1/audit/events` filters, order and limits, the malformed-query answer,
//! `GET /v1/audit/verify` and the hash chain, operator auth and read bucket, reset.

mod support;

use latchgate_mock::MockGate;
use serde_json::{json, Value};
use support::{
    assert_rate_limit_exceeded, audit_events as events, burst, gate, jcs_sha256, one_token_gate,
    send, unlimited_gate, Agent, Lease, Op, Resp, Target, UNAUTHORIZED,
};

/// `GET /v1/audit/verify` as the operator.
async fn verify(g: &MockGate) -> Resp {
    Op::of(g).get(g, "/v1/audit/verify").await
}

/// The verify answer of an intact chain of `n` events.
fn intact(n: usize) -> String {
    format!(r#"{{"broken_at":null,"intact":true,"total_events":{n},"verified_links":{n}}}"#)
}

/// A fresh gate after three leases and one allowed call (four events with distinct
/// timestamps); the gate, the last lease and the call's trace id.
async fn four_events() -> (MockGate, Lease, String) {
    let g = gate().await;
    let a = Agent::new();
    let mut last = None;
    for _ in 0..3 {
        g.clock().advance(std::time::Duration::from_millis(10));
        last = Some(a.lease(&g).await);
    }
    let l = last.unwrap();
    g.clock().advance(std::time::Duration::from_millis(10));
    let r = a.fetch_ok(&g, &l).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let trace = r.member("trace_id");
    (g, l, trace)
}

#[tokio::test]
async fn events_come_newest_first() {
    let (g, ..) = four_events().await;
    let evs = events(&g, "").await;
    let ts: Vec<&str> = evs
        .iter()
        .map(|e| e["timestamp"].as_str().unwrap())
        .collect();
    let mut sorted = ts.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(ts, sorted);
    assert_eq!(evs[0]["event_type"], json!("action_call"));
}

#[tokio::test]
async fn decision_and_event_type_filters_select_exact_values() {
    let (g, ..) = four_events().await;
    assert_eq!(events(&g, "?event_type=lease_issued").await.len(), 3);
    assert_eq!(events(&g, "?decision=allow").await.len(), 4);
    assert_eq!(
        events(&g, "?decision=Allow").await.len(),
        0,
        "case-sensitive"
    );
}

#[tokio::test]
async fn action_id_filter_selects_the_call() {
    let (g, _, trace) = four_events().await;
    let evs = events(&g, "?action_id=http_fetch").await;
    assert_eq!(evs.len(), 1, "{evs:?}");
    assert_eq!(evs[0]["trace_id"], json!(trace));
}

#[tokio::test]
async fn session_id_filter_selects_the_lease_and_its_call() {
    let (g, l, _) = four_events().await;
    let evs = events(&g, &format!("?session_id={}", l.session_id)).await;
    let kinds: Vec<&Value> = evs.iter().map(|e| &e["event_type"]).collect();
    assert_eq!(kinds, [&json!("action_call"), &json!("lease_issued")]);
}

#[tokio::test]
async fn after_and_before_are_exclusive_timestamp_bounds() {
    let (g, ..) = four_events().await;
    let all = events(&g, "").await;
    let (newest, oldest) = (&all[0]["timestamp"], &all[3]["timestamp"]);
    let between = events(
        &g,
        &format!(
            "?after={}&before={}",
            oldest.as_str().unwrap(),
            newest.as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(
        between.len(),
        2,
        "strictly between oldest and newest: {between:?}"
    );
}

#[tokio::test]
async fn limit_zero_returns_one_event_and_limit_caps_the_page() {
    let (g, ..) = four_events().await;
    assert_eq!(events(&g, "?limit=0").await.len(), 1);
    assert_eq!(events(&g, "?limit=2").await.len(), 2);
    assert_eq!(events(&g, "?limit=5000").await.len(), 4);
}

#[tokio::test]
async fn default_page_is_100_events_and_the_long_chain_verifies() {
    let g = unlimited_gate().await;
    let op = Op::of(&g);
    for _ in 0..120 {
        assert_eq!(op.get(&g, "/v1/admin/epoch").await.status, 200);
    }
    assert_eq!(events(&g, "").await.len(), 100);
    assert_eq!(verify(&g).await.text(), intact(120));
}

#[tokio::test]
async fn each_event_chains_to_the_hash_of_the_previous_one() {
    let (g, ..) = four_events().await;
    let mut evs = events(&g, "").await;
    evs.reverse();
    assert_eq!(
        evs[0]["prev_hash"],
        Value::Null,
        "first event has no predecessor"
    );
    for pair in evs.windows(2) {
        assert_eq!(
            pair[1]["prev_hash"],
            json!(jcs_sha256(&pair[0])),
            "link to {}",
            pair[0]["trace_id"]
        );
    }
}

#[tokio::test]
async fn verify_on_a_fresh_gate_is_intact_and_empty() {
    let g = gate().await;
    let v = verify(&g).await;
    assert_eq!(v.status, 200);
    assert_eq!(
        v.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(v.text(), intact(0));
}

#[tokio::test]
async fn malformed_query_is_axum_plain_text_400_before_auth() {
    let g = gate().await;
    for (q, want) in [
        (
            "limit=abc",
            "Failed to deserialize query string: limit: invalid digit found in string",
        ),
        (
            "limit=-1",
            "Failed to deserialize query string: limit: invalid digit found in string",
        ),
        (
            "limit=1&limit=2",
            "Failed to deserialize query string: duplicate field `limit`",
        ),
    ] {
        let r = send(
            &Target::admin(&g),
            "GET",
            &format!("/v1/audit/events?{q}"),
            &[],
            b"",
        )
        .await;
        r.assert_is(400, want, &format!("query {q}"));
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("text/plain; charset=utf-8"),
            "query {q}"
        );
    }
}

#[tokio::test]
async fn audit_routes_without_operator_auth_are_401_unauthorized() {
    let g = gate().await;
    for path in ["/v1/audit/events", "/v1/audit/verify"] {
        let r = send(
            &Target::admin(&g),
            "GET",
            path,
            &[("authorization", "DPoP nope")],
            b"",
        )
        .await;
        r.assert_is(401, UNAUTHORIZED, path);
    }
}

#[tokio::test]
async fn audit_routes_are_absent_from_the_client_listener() {
    let g = gate().await;
    let r = send(&Target::client(&g), "GET", "/v1/audit/verify", &[], b"").await;
    assert_eq!(r.status, 404, "{}", r.text());
}

#[tokio::test]
async fn reset_clears_the_ledger() {
    let (g, ..) = four_events().await;
    g.reset();
    let v = verify(&g).await;
    assert_eq!(v.json()["total_events"], json!(0), "{}", v.text());
    assert!(events(&g, "").await.is_empty());
}

#[tokio::test]
async fn audit_routes_take_the_operator_read_bucket() {
    let g = one_token_gate(true).await;
    for path in ["/v1/audit/events", "/v1/audit/verify"] {
        let rs = burst(&g, "GET", path, None).await;
        assert_rate_limit_exceeded(&rs, &format!("GET {path}"));
    }
}

#[tokio::test]
async fn failed_auth_does_not_take_a_read_token() {
    let g = one_token_gate(true).await;
    for _ in 0..5 {
        let r = send(&Target::admin(&g), "GET", "/v1/audit/verify", &[], b"").await;
        assert_eq!(r.status, 401, "{}", r.text());
    }
    let ok = verify(&g).await;
    assert_eq!(
        ok.status,
        200,
        "auth failures consumed the bucket: {}",
        ok.text()
    );
}
