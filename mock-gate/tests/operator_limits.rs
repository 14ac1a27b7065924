//! The operator read and write rate limiters: which routes take which bucket, the 429 bodies,
//! and the dev-mode exemption of approve, deny, revoke-all, drain and reload.
//!
//! Buckets refill by the gate's clock; `burst` freezes it, so a burst falls within one second
//! and what it gets does not depend on where a wall-clock second boundary falls.

mod support;

use support::{
    assert_rate_limit_exceeded, burst, burst_statuses, first_429, one_token_gate as gate, send, Op,
    Resp, Target, BURST,
};

#[tokio::test]
async fn read_routes_over_the_limit_get_rate_limit_exceeded_without_retry_after() {
    let g = gate(true).await;
    for path in [
        "/v1/admin/status",
        "/v1/admin/epoch",
        "/v1/receipt-keys",
        "/v1/approvals",
    ] {
        let rs = burst(&g, "GET", path, None).await;
        assert_rate_limit_exceeded(&rs, &format!("GET {path}"));
        g.reset();
    }
}

/// The first 429 of a [`burst`] of `method path` on a fresh one-token gate.
async fn burst_429(dev_mode: bool, method: &str, path: &str) -> Resp {
    let g = gate(dev_mode).await;
    let rs = burst(&g, method, path, None).await;
    first_429(&rs, &format!("{method} {path}")).clone()
}

#[tokio::test]
async fn approval_detail_over_the_limit_is_a_bare_429() {
    let r = burst_429(true, "GET", "/v1/approvals/nope").await;
    assert!(
        r.body.is_empty(),
        "429 body should be empty, was {:?}",
        r.text()
    );
}

#[tokio::test]
async fn receipts_and_metrics_take_no_operator_token() {
    let g = gate(true).await;
    for (path, want) in [("/metrics", 200), ("/v1/receipts/nope", 404)] {
        assert_eq!(
            burst_statuses(&g, "GET", path).await,
            vec![want; BURST],
            "GET {path}: every call of a burst answered (a one-token bucket would refuse all but one)"
        );
    }
}

#[tokio::test]
async fn dev_mode_exempts_approve_deny_and_revoke_all_from_the_write_limiter() {
    let g = gate(true).await;
    for (method, path, want) in [
        ("POST", "/v1/approvals/nope/approve", 404),
        ("POST", "/v1/approvals/nope/deny", 404),
        ("POST", "/v1/admin/revoke-all", 200),
    ] {
        assert_eq!(
            burst_statuses(&g, method, path).await,
            vec![want; BURST],
            "{method} {path}: every call of a burst answered"
        );
    }
}

#[tokio::test]
async fn outside_dev_mode_approve_and_deny_are_throttled_with_retry_after_two() {
    let g = gate(false).await;
    for path in ["/v1/approvals/nope/approve", "/v1/approvals/nope/deny"] {
        let rs = burst(&g, "POST", path, None).await;
        let r = first_429(&rs, &format!("POST {path}"));
        assert_eq!(
            r.text(),
            r#"{"error":"operator_throttled"}"#,
            "POST {path} 429 body"
        );
        assert_eq!(
            r.header("retry-after").as_deref(),
            Some("2"),
            "POST {path} Retry-After"
        );
        g.reset();
    }
}

#[tokio::test]
async fn outside_dev_mode_revoke_all_is_limited_with_rate_limit_exceeded() {
    let r = burst_429(false, "POST", "/v1/admin/revoke-all").await;
    assert_eq!(r.text(), r#"{"error":"rate_limit_exceeded"}"#);
}

#[tokio::test]
async fn the_limit_is_checked_after_authentication() {
    let g = gate(true).await;
    let t = Target::admin(&g);
    let wrong = [("authorization", "DPoP wrong")];
    for _ in 0..BURST {
        let r = send(&t, "GET", "/v1/admin/status", &wrong, b"").await;
        assert_eq!(
            r.status, 401,
            "unauthenticated calls never reach the bucket"
        );
    }
    let r = Op::of(&g).get(&g, "/v1/admin/status").await;
    assert_eq!(r.status, 200, "the bucket is still full: {}", r.text());
}

#[tokio::test]
async fn reset_refills_the_operator_buckets() {
    let g = gate(true).await;
    let rs = burst(&g, "GET", "/v1/admin/epoch", None).await;
    first_429(&rs, "a burst should empty the bucket");
    g.reset();
    let r = Op::of(&g).get(&g, "/v1/admin/epoch").await;
    assert_eq!(r.status, 200, "after reset: {}", r.text());
}
