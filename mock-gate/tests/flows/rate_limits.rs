//! The agent-side rate limits: per-session execute buckets and the lease bucket.

use latchgate_mock::{MockGate, RateLimits};

use crate::support::{post_lease, Agent, Target};

/// A gate whose rate limits are the defaults changed by `set`, its clock frozen.
async fn gate_limited(set: impl FnOnce(&mut RateLimits)) -> MockGate {
    let mut limits = RateLimits::default();
    set(&mut limits);
    let g = MockGate::builder()
        .rate_limits(limits)
        .start()
        .await
        .unwrap();
    // The buckets refill by the gate's clock: frozen, a burst lands within one second.
    g.clock().freeze();
    g
}

#[tokio::test]
async fn execute_rate_limit_is_per_session_with_retry_after() {
    let g = gate_limited(|r| r.execute_session_rps = 2).await;
    let a = Agent::new();
    let l = a.lease(&g).await;
    let mut statuses = vec![];
    for _ in 0..6 {
        let r = a.fetch_ok(&g, &l).await;
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
        other.fetch_ok(&g, &lo).await.status,
        200,
        "buckets are per session"
    );
}

#[tokio::test]
async fn lease_rate_limit_answers_rate_limit_exceeded_without_retry_after() {
    let g = gate_limited(|r| r.lease_rps = 1).await;
    let body = Agent::new().lease_request();
    let t = Target::client(&g);
    let first = post_lease(&t, &body).await;
    let second = post_lease(&t, &body).await;
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
    let next_second = post_lease(&t, &body).await;
    assert_eq!(
        next_second.status,
        200,
        "the bucket refills at the next second: {}",
        next_second.text()
    );
}
