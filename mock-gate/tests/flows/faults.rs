//! Fault injection: error answers, raw bytes, dropped connections, delays, short lease TTLs.

use latchgate_mock::{Endpoint, FaultAction, FaultRule};
use serde_json::json;

use crate::support::{gate, get_client, htu, send, try_send, Agent, Target, FETCH_OK, FETCH_PATH};

#[tokio::test]
async fn fault_answers_the_next_call_with_a_real_error_then_stops() {
    let g = gate().await;
    g.faults()
        .fail_next(Endpoint::Execute, 1, "policy_engine_unavailable")
        .unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let r = a.fetch_ok(&g, &l).await;
    r.assert_is(
        503,
        r#"{"error":"policy_engine_unavailable"}"#,
        "the faulted call",
    );
    assert_eq!(a.fetch_ok(&g, &l).await.status, 200);
    assert!(g
        .faults()
        .fail_next(Endpoint::Execute, 1, "made_up")
        .is_err());
}

#[tokio::test]
async fn raw_fault_plays_arbitrary_bytes_and_poll_errors_stay_empty() {
    let g = gate().await;
    let redirect = FaultRule::raw(Endpoint::Leases, 1, 302, &[("location", "/elsewhere")], "");
    g.faults().inject(redirect).unwrap();
    let r = send(&Target::client(&g), "POST", "/v1/leases", &[], b"").await;
    assert_eq!(
        (r.status, r.header("location").as_deref()),
        (302, Some("/elsewhere"))
    );
    g.faults()
        .fail_next(Endpoint::Poll, 1, "store_unavailable")
        .unwrap();
    let p = get_client(&g, "/v1/approvals/x/poll").await;
    assert_eq!((p.status, p.body.len()), (503, 0));
}

#[tokio::test]
async fn dropped_connection_before_effect_does_not_debit_and_after_effect_does() {
    let g = gate().await;
    let a = Agent::new();
    let l = a.lease_with(&g, json!({"budgets": {"max_calls": 1}})).await;
    let body = json!({"url": FETCH_OK});
    let send_once = || async {
        let p = a.proof("POST", &htu(&g, FETCH_PATH), &l.token);
        let authz = format!("DPoP {}", l.token);
        try_send(
            &Target::client(&g),
            "POST",
            FETCH_PATH,
            &[("authorization", &authz), ("dpop", &p)],
            body.to_string().as_bytes(),
        )
        .await
    };
    for (action, what) in [
        (FaultAction::DropBeforeEffect, "connection dropped"),
        (
            FaultAction::DropAfterEffect,
            "connection dropped after the effect",
        ),
    ] {
        let rule = FaultRule::new(Endpoint::Execute, 1, action);
        g.faults().inject(rule).unwrap();
        assert!(send_once().await.is_err(), "{what}");
    }
    let r = send_once().await.unwrap();
    assert_eq!(
        r.json()["deny_reason"],
        json!("budget exhausted: no calls remaining"),
        "the second call was debited"
    );
    let receipts = g
        .journal()
        .matching("POST", FETCH_PATH)
        .iter()
        .filter(|e| e.status == 200)
        .count();
    assert_eq!(receipts, 1, "exactly one effect");
}

#[tokio::test]
async fn short_lease_ttl_applies_to_the_next_lease_only() {
    let g = gate().await;
    g.faults().set_next_lease_ttl(5, 1);
    let a = Agent::new();
    let l1 = a.lease(&g).await;
    let l2 = a.lease(&g).await;
    let exp = |l: &crate::support::Lease| {
        chrono::DateTime::parse_from_rfc3339(l.body["expires_at"].as_str().unwrap())
            .unwrap()
            .timestamp()
    };
    let now = g.clock().now_unix();
    assert!((4..=6).contains(&(exp(&l1) - now)), "first lease 5 s");
    assert!((299..=301).contains(&(exp(&l2) - now)), "then 300 s");
}

#[tokio::test]
async fn delay_fault_still_runs_the_handler_and_is_journalled() {
    let g = gate().await;
    let delay = FaultRule::new(Endpoint::Health, 1, FaultAction::Delay { ms: 1 });
    g.faults().inject(delay).unwrap();
    let r = get_client(&g, "/healthz").await;
    assert_eq!(r.text(), r#"{"status":"ok"}"#);
    let e = g.journal().entries().pop().unwrap();
    assert_eq!(e.fault.as_deref(), Some("Delay { ms: 1 }"));
    assert!(g.faults().rules().is_empty(), "used up");
}
