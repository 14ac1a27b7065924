//! Keeps the runner's own load from deciding verdicts. Every lease request the runner forwards —
//! its own and the SDK's, which pass through the tap — is paced under the gate's lease limiter,
//! and a request refused by one of the gate's limiters anyway (execute's per-peer bucket of 5/s,
//! another client of a shared gate) is sent again a bounded number of times, so the scenario
//! meets the answer it is about.

use crate::http::{self, Endpoint, RawRequest, RawResponse};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Lease requests the runner lets through in any rolling second. The gate's default lease
/// limiter (PROTOCOL §3.2, `lease_rps`) is one global bucket of 50 refilled once a second by a
/// coarse clock; staying at 40 in every rolling second keeps each of the gate's seconds under 50
/// whatever the phase between the two clocks, with room for a few requests of other clients.
pub const LEASES_PER_SECOND: usize = 40;

/// Lease requests refused by the limiter that are sent again before the refusal is passed on.
pub const MAX_REFUSALS: u32 = 8;

/// One window per gate (keyed by the endpoint the request goes to): a shared gate is paced as
/// one, while the fresh in-process gate of each scenario has a limiter, and a window, of its own.
static WINDOWS: Mutex<Option<HashMap<String, Arc<Window>>>> = Mutex::new(None);

/// Windows kept before those without a request in the last second are dropped.
const WINDOWS_KEPT: usize = 64;

fn window(endpoint: &Endpoint) -> Arc<Window> {
    let mut windows = WINDOWS.lock().unwrap_or_else(|e| e.into_inner());
    let map = windows.get_or_insert_with(HashMap::new);
    if map.len() >= WINDOWS_KEPT {
        map.retain(|_, w| w.busy());
    }
    map.entry(endpoint.to_string())
        .or_insert_with(|| Arc::new(Window::new(LEASES_PER_SECOND)))
        .clone()
}

/// At most `per_second` admissions in any rolling second.
struct Window {
    per_second: usize,
    admitted: Mutex<VecDeque<Instant>>,
}

impl Window {
    fn new(per_second: usize) -> Self {
        Window {
            per_second,
            admitted: Mutex::new(VecDeque::new()),
        }
    }

    /// True when a request was admitted in the last second.
    fn busy(&self) -> bool {
        let admitted = self.admitted.lock().unwrap_or_else(|e| e.into_inner());
        admitted
            .back()
            .is_some_and(|t| t.elapsed() < Duration::from_secs(1))
    }

    /// Counts a request at `now` if it fits in the window, else says how long until it does.
    fn try_admit(&self, now: Instant) -> Result<(), Duration> {
        let mut admitted = self.admitted.lock().unwrap_or_else(|e| e.into_inner());
        while admitted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            admitted.pop_front();
        }
        match admitted.front() {
            Some(first) if admitted.len() >= self.per_second => {
                Err(Duration::from_secs(1) - now.duration_since(*first))
            }
            _ => {
                admitted.push_back(now);
                Ok(())
            }
        }
    }

    /// Waits until one more request fits in the window, and counts it.
    async fn admit(&self) {
        while let Err(wait) = self.try_admit(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }
}

/// An answer, and how many limiter refusals came before it.
pub struct Paced {
    /// The answer the scenario sees (or the transport error).
    pub response: Result<RawResponse, String>,
    /// Limiter refusals that were retried before it.
    pub refusals: u32,
}

impl Paced {
    /// A note for the evidence, when the answer came after refusals.
    pub fn note(&self) -> Option<String> {
        (self.refusals > 0).then(|| {
            format!(
                "a gate rate limiter refused this request {} time(s) first (429); the runner sent it again",
                self.refusals
            )
        })
    }
}

/// True for a lease issuance request, the one the gate's lease limiter counts.
pub fn is_lease(req: &RawRequest) -> bool {
    req.method == "POST" && req.target.split('?').next() == Some("/v1/leases")
}

/// The pause a limiter refusal asks for: its `Retry-After`, else until the gate's next second.
/// Refusals are the gate's 429s: lease and operator buckets (`rate_limit_exceeded`), execute's
/// per-session and per-peer buckets (`rate_limited`), approve/deny (`operator_throttled`). The
/// scenarios about rate limiting send their bursts without this module.
fn refusal_pause(r: &RawResponse) -> Option<Duration> {
    let code = r.code();
    let limiter = matches!(
        code.as_deref(),
        Some("rate_limit_exceeded" | "rate_limited" | "operator_throttled")
    );
    if r.status != 429 || !limiter {
        return None;
    }
    let asked = r
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    Some(asked.unwrap_or_else(until_next_second))
}

fn until_next_second() -> Duration {
    let into = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    Duration::from_nanos(1_000_000_000 - u64::from(into)) + Duration::from_millis(20)
}

/// Sends a request like [`http::send`]; a lease request is paced first (per gate endpoint), and
/// a request refused by a limiter is sent again (at most [`MAX_REFUSALS`] times) when
/// [`resend`] allows it.
pub async fn send(endpoint: &Endpoint, req: &RawRequest, timeout: Duration) -> Paced {
    let window = is_lease(req).then(|| window(endpoint));
    // Only a resend after a refusal needs a request of its own (a fresh proof).
    let mut resent: Option<RawRequest> = None;
    let mut refusals = 0;
    loop {
        if let Some(w) = &window {
            w.admit().await;
        }
        let attempt = resent.as_ref().unwrap_or(req);
        let response = http::send(endpoint, attempt, timeout).await;
        let pause = response.as_ref().ok().and_then(refusal_pause);
        let again = pause
            .filter(|_| refusals < MAX_REFUSALS)
            .and_then(|p| Some((p, resend(attempt)?)));
        let Some((pause, next)) = again else {
            // The exchange log keeps the failure as the text reports show.
            let response = response.map_err(|e| e.to_string());
            return Paced { response, refusals };
        };
        refusals += 1;
        tokio::time::sleep(pause).await;
        resent = Some(next);
    }
}

/// The request to send after a limiter refused `req`. The gate checks a DPoP proof, and spends
/// its `jti`, before its limiters refuse: the same bytes again would be a replay (401). So a
/// request with a `dpop` header goes again only with a fresh proof from its
/// [`RawRequest::fresh_proof`]; without one the refusal is passed on.
fn resend(req: &RawRequest) -> Option<RawRequest> {
    let has_proof = req
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("dpop"));
    if !has_proof {
        return Some(req.clone());
    }
    let proof = req.fresh_proof.as_ref()?.make();
    let mut next = req.clone();
    for (name, value) in &mut next.headers {
        if name.eq_ignore_ascii_case("dpop") {
            value.clone_from(&proof);
        }
    }
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pause after a 429 with error `code` and these headers.
    fn pause_after_429(code: &str, headers: &[(&str, &str)]) -> Option<Duration> {
        refusal_pause(&RawResponse {
            status: 429,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: format!(r#"{{"error":"{code}"}}"#).into_bytes(),
        })
    }

    #[test]
    fn lease_limiter_refusal_without_retry_after_waits_for_the_next_second() {
        let p = pause_after_429("rate_limit_exceeded", &[]);
        assert!(
            p.is_some_and(|d| d <= Duration::from_millis(1020)),
            "a refusal without Retry-After pauses at most until the next second: {p:?}"
        );
    }

    #[test]
    fn refusal_with_retry_after_waits_as_asked() {
        let p = pause_after_429("rate_limit_exceeded", &[("retry-after", "2")]);
        assert_eq!(p, Some(Duration::from_secs(2)));
    }

    #[test]
    fn execute_limiter_refusal_is_retried_after_its_retry_after() {
        let p = pause_after_429("rate_limited", &[("retry-after", "1")]);
        assert_eq!(p, Some(Duration::from_secs(1)));
    }

    #[test]
    fn a_429_with_another_code_is_not_a_limiter_refusal() {
        let p = pause_after_429("slow_down", &[]);
        assert_eq!(p, None, "only the gate's limiter codes are retried");
    }

    #[test]
    fn a_request_without_a_proof_is_resent_as_it_was() {
        let req = RawRequest::new("POST", "/v1/leases").header("content-type", "application/json");
        let next = resend(&req).expect("resent");
        assert_eq!(next.headers, req.headers);
    }

    #[test]
    fn a_request_with_a_spent_proof_and_no_source_is_not_resent() {
        let req = RawRequest::new("DELETE", "/v1/admin/paths").header("dpop", "proof-1");
        assert!(
            resend(&req).is_none(),
            "resending proof-1 would be a replay; the refusal must be passed on"
        );
    }

    #[test]
    fn a_request_with_a_proof_source_is_resent_with_a_fresh_proof() {
        let req = RawRequest::new("DELETE", "/v1/admin/paths")
            .header("authorization", "DPoP key")
            .header("dpop", "proof-1")
            .with_fresh_proof(crate::http::ProofSource::new(|| "proof-2".into()));
        let next = resend(&req).expect("resent");
        assert_eq!(
            next.headers,
            vec![
                ("authorization".to_string(), "DPoP key".to_string()),
                ("dpop".to_string(), "proof-2".to_string())
            ],
            "only the dpop header changes"
        );
    }

    #[test]
    fn only_post_to_the_lease_route_is_a_lease_request() {
        assert!(is_lease(&RawRequest::new("POST", "/v1/leases")));
        assert!(!is_lease(&RawRequest::new("GET", "/v1/leases")));
        assert!(!is_lease(&RawRequest::new(
            "POST",
            "/v1/actions/fs_read/execute"
        )));
    }

    #[test]
    fn window_admits_its_rate_then_waits_for_the_oldest_to_age() {
        let w = Window::new(3);
        let t0 = Instant::now();
        for ms in [0, 100, 200] {
            assert_eq!(
                w.try_admit(t0 + Duration::from_millis(ms)),
                Ok(()),
                "request at {ms} ms fits"
            );
        }
        assert_eq!(
            w.try_admit(t0 + Duration::from_millis(300)),
            Err(Duration::from_millis(700)),
            "the fourth waits until the first is a second old"
        );
        assert_eq!(
            w.try_admit(t0 + Duration::from_millis(1000)),
            Ok(()),
            "then it fits"
        );
    }
}
