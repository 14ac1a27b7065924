//! Concurrency and robustness: budgets and replays under races; no panic on malformed input.

mod support;

use std::sync::Arc;

use latchgate_mock::MockGate;
use proptest::prelude::*;
use serde_json::json;
use support::{
    b64, get_client, htu, send, send_dpop, try_send, unlimited_gate, Agent, Target, FETCH_PATH,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_executes_under_max_calls_k_succeed_exactly_k_times() {
    const K: u64 = 7;
    const N: usize = 1000;
    let g = Arc::new(unlimited_gate().await);
    let a = Arc::new(Agent::new());
    let l = Arc::new(a.lease_with(&g, json!({"budgets": {"max_calls": K}})).await);
    let sem = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::new();
    for _ in 0..N {
        let (g, a, l, sem) = (g.clone(), a.clone(), l.clone(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire().await.unwrap();
            let r = a.fetch_ok(&g, &l).await;
            (r.status, r.text())
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            200 => ok += 1,
            403 => assert!(
                body == r#"{"error":"budget_exhausted"}"#
                    || body.contains("budget exhausted: no calls remaining"),
                "exhaustion answer: {body}"
            ),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(ok, K as usize);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_proof_sent_100_times_concurrently_is_accepted_once() {
    let g = Arc::new(unlimited_gate().await);
    let a = Agent::new();
    let l = a.lease(&g).await;
    let proof = Arc::new(a.proof_at(&g, "POST", &htu(&g, FETCH_PATH), &l.token));
    let token = Arc::new(l.token);
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (g, proof, token) = (g.clone(), proof.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let body = br#"{"url":"https://httpbin.org/get"}"#;
            let r = send_dpop(&g, "POST", FETCH_PATH, (&token, &proof), body).await;
            (r.status, r.text())
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        let (s, body) = t.await.unwrap();
        if s == 200 {
            accepted += 1;
        } else {
            assert_eq!((s, body.as_str()), (401, r#"{"error":"replay_detected"}"#));
        }
    }
    assert_eq!(accepted, 1);
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

const ROUTES: [(&str, &str); 12] = [
    ("POST", "/v1/leases"),
    ("POST", "/v1/actions/http_fetch/execute"),
    ("POST", "/v1/actions/fs_read/execute"),
    ("GET", "/v1/approvals/x/poll"),
    ("GET", "/v1/receipts/x"),
    ("GET", "/v1/approvals"),
    ("GET", "/v1/approvals/x"),
    ("POST", "/v1/approvals/x/approve?learn_domain=%FF"),
    ("POST", "/v1/approvals/x/deny"),
    ("GET", "/v1/admin/status"),
    ("GET", "/v1/actions/%2e%2e"),
    ("GET", "/v1/receipt-keys"),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn malformed_requests_never_crash_the_gate(
        route in 0..ROUTES.len(),
        authz in proptest::option::of("(DPoP |Bearer )?[A-Za-z0-9._~+/=-]{0,200}"),
        dpop in proptest::option::of("[A-Za-z0-9._-]{0,300}"),
        ctype in proptest::option::of(prop_oneof![Just("application/json".to_string()), "[a-z/+.-]{0,30}"]),
        body in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        rt().block_on(async {
            let g = unlimited_gate().await;
            let (m, p) = ROUTES[route];
            let mut h: Vec<(&str, &str)> = vec![];
            if let Some(a) = &authz { h.push(("authorization", a)); }
            if let Some(d) = &dpop { h.push(("dpop", d)); }
            if let Some(c) = &ctype { h.push(("content-type", c)); }
            for t in [Target::client(&g), Target::admin(&g)] {
                let r = try_send(&t, m, p, &h, &body).await.expect("the gate answers");
                prop_assert!(r.status < 500 || r.status == 503, "{} {} -> {} {}", m, p, r.status, r.text());
            }
            let health = get_client(&g, "/healthz").await;
            prop_assert_eq!(health.status, 200);
            Ok(())
        })?;
    }

    #[test]
    fn forged_jwts_and_proofs_are_refused_without_panic(
        header in "[ -~]{0,80}",
        claims in "[ -~]{0,160}",
        sig in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        rt().block_on(async {
            let g = MockGate::start().await.unwrap();
            let a = Agent::new();
            let l = a.lease(&g).await;
            let forged = format!("{}.{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()), b64(&sig));
            for (token, proof) in [(forged.clone(), a.proof_at(&g, "POST", "http://x/", &forged)), (l.token.clone(), forged.clone())] {
                let r = send_dpop(&g, "POST", FETCH_PATH, (&token, &proof), b"{}").await;
                prop_assert_eq!(r.status, 401, "{}", r.text());
            }
            Ok(())
        })?;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_gates_run_side_by_side_without_collision() {
    let mut starts = Vec::new();
    for _ in 0..200 {
        starts.push(tokio::spawn(async {
            MockGate::builder().temp_sockets().start().await.unwrap()
        }));
    }
    let mut gates = Vec::new();
    for s in starts {
        gates.push(s.await.unwrap());
    }
    let urls: std::collections::HashSet<String> =
        gates.iter().map(|g| g.url().unwrap().to_string()).collect();
    let socks: std::collections::HashSet<_> = gates
        .iter()
        .map(|g| g.socket_path().unwrap().to_path_buf())
        .collect();
    assert_eq!((urls.len(), socks.len()), (200, 200));
    for g in &gates {
        assert_eq!(
            send(
                &Target::Unix(g.socket_path().unwrap().into()),
                "GET",
                "/healthz",
                &[],
                b""
            )
            .await
            .status,
            200
        );
    }
}
