//! Gates with small or no rate limits, and bursts of operator calls against them.

use latchgate_mock::{MockGate, RateLimits};
use serde_json::Value;

use super::http::Resp;
use super::operator::Op;

/// Calls in a burst: more than a one-token bucket serves within one second.
pub const BURST: usize = 10;

/// A gate whose operator read and write buckets hold one token each.
pub async fn one_token_gate(dev_mode: bool) -> MockGate {
    MockGate::builder()
        .rate_limits(RateLimits {
            operator_read_rps: 1,
            operator_write_rps: 1,
            ..RateLimits::default()
        })
        .dev_mode(dev_mode)
        .start()
        .await
        .unwrap()
}

/// A quickstart gate without rate limits, for tests that send many calls.
pub async fn unlimited_gate() -> MockGate {
    MockGate::builder()
        .rate_limits(RateLimits::unlimited())
        .start()
        .await
        .unwrap()
}

/// The same operator call [`BURST`] times (a JSON body when `body` is given), with the gate's
/// clock frozen so that the whole burst falls within one second of its buckets.
pub async fn burst(g: &MockGate, method: &str, path: &str, body: Option<&Value>) -> Vec<Resp> {
    g.clock().freeze();
    let op = Op::of(g);
    let mut out = Vec::with_capacity(BURST);
    for _ in 0..BURST {
        out.push(match body {
            Some(b) => op.json(g, method, path, b.clone()).await,
            None => op.call(g, method, path, b"", &[]).await,
        });
    }
    out
}

/// The statuses of a [`burst`] of bodiless calls.
pub async fn burst_statuses(g: &MockGate, method: &str, path: &str) -> Vec<u16> {
    let rs = burst(g, method, path, None).await;
    rs.iter().map(|r| r.status).collect()
}

/// The first 429 of a burst; panics naming the burst `what` and the statuses it got when there
/// was none.
#[track_caller]
pub fn first_429<'a>(rs: &'a [Resp], what: &str) -> &'a Resp {
    match rs.iter().find(|r| r.status == 429) {
        Some(r) => r,
        None => {
            let statuses: Vec<u16> = rs.iter().map(|r| r.status).collect();
            panic!("{what}: no 429 in {statuses:?}")
        }
    }
}

/// Asserts a burst met the operator limiter's `rate_limit_exceeded` 429, which carries no
/// `Retry-After`; `what` names the burst in the failure messages.
#[track_caller]
pub fn assert_rate_limit_exceeded(rs: &[Resp], what: &str) {
    let r = first_429(rs, what);
    assert_eq!(
        r.text(),
        r#"{"error":"rate_limit_exceeded"}"#,
        "{what}: 429 body"
    );
    assert_eq!(r.header("retry-after"), None, "{what}: no Retry-After");
}
