//! The control API and the journal: clock, faults, reset, decoded proofs and verdicts.

use std::time::Duration;

use latchgate_mock::{Endpoint, FaultRule, GateControl};
use serde_json::json;

use crate::support::{gate, get_client, leased};

#[tokio::test]
async fn control_api_drives_journal_clock_faults_and_reset() {
    let g = gate().await;
    let c = g.control_client().unwrap();
    c.freeze_clock(true).await.unwrap();
    let t0 = c.now_unix_ms().await.unwrap();
    c.advance_clock(Duration::from_secs(10)).await.unwrap();
    assert_eq!(c.now_unix_ms().await.unwrap() - t0, 10_000);
    c.inject_fault(FaultRule::error(Endpoint::Health, 1, "draining"))
        .await
        .unwrap();
    let h = get_client(&g, "/healthz").await;
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
    let (g, a, l) = leased().await;
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
