//! The load: concurrent `latchgate` clients, each with its own key and lease, executing one
//! action (`http_fetch`, canned, no network; or `fs_read` of a file under the gate's root) and
//! renewing their lease every `LEASE_CALLS` calls.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use latchgate::{Client, ConnectOptions, ErrorKind};
use serde_json::{json, Value};

/// Calls per lease before the client asks for a new one (lease churn, as long-lived agents).
pub const LEASE_CALLS: u64 = 1_000;

/// The action every call executes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `http_fetch` of an allowlisted URL (answered by the canned provider).
    HttpFetch,
    /// `fs_read` of `README.md` under the gate's `--fs-root`: auto-allowed by `*.md`, and its
    /// policy decision runs the five sensitive-path `glob.match`es.
    FsRead,
}

impl Call {
    fn action(self) -> &'static str {
        match self {
            Self::HttpFetch => "http_fetch",
            Self::FsRead => "fs_read",
        }
    }

    fn params(self) -> Value {
        match self {
            Self::HttpFetch => json!({"url": "https://httpbin.org/get"}),
            Self::FsRead => json!({"operation": "read", "path": "README.md"}),
        }
    }
}

/// What every client reports.
#[derive(Default)]
pub struct Tally {
    /// Calls started (the work counter clients draw from).
    pub started: AtomicU64,
    /// Successful calls.
    pub ok: AtomicU64,
    /// Failed calls by error kind and message.
    pub errors: Mutex<BTreeMap<String, u64>>,
    /// Latencies (µs) of the current sampling interval.
    pub latencies: Mutex<Vec<u32>>,
    /// Set to stop the clients.
    pub stop: AtomicBool,
    /// Set just before SIGTERM: outcomes from then on are tallied in `after_term`.
    pub terminating: AtomicBool,
    /// Outcomes of calls made while the gate shuts down.
    pub after_term: Mutex<BTreeMap<String, u64>>,
}

impl Tally {
    fn error(&self, what: String) {
        count(&self.errors, what);
    }

    fn after(&self, what: String) {
        count(&self.after_term, what);
    }

    /// Total errors so far.
    pub fn error_count(&self) -> u64 {
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .sum()
    }

    /// Takes the interval's latencies and returns (count, p50 ms, p99 ms).
    pub fn take_percentiles(&self) -> (usize, f64, f64) {
        let mut v = std::mem::take(&mut *self.latencies.lock().unwrap_or_else(|p| p.into_inner()));
        if v.is_empty() {
            return (0, f64::NAN, f64::NAN);
        }
        v.sort_unstable();
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0;
        (v.len(), at(0.50), at(0.99))
    }
}

/// One client's outcome of a call (the soak's shutdown check reads these).
pub enum Outcome {
    /// 200 with a complete receipt id.
    Answered,
    /// No response at all: refused or closed before any byte (the call did not reach a handler).
    Refused(String),
    /// Anything else.
    Failed(String),
}

fn classify(r: Result<latchgate::ActionResult, latchgate::Error>) -> Outcome {
    match r {
        Ok(resp) if !resp.receipt_id.is_empty() => Outcome::Answered,
        Ok(_) => Outcome::Failed("200 without receipt_id".into()),
        Err(e) if e.kind() == ErrorKind::TransportError => Outcome::Refused(format!(
            "transport error (sent: {}): {}",
            e.sent(),
            e.message()
        )),
        Err(e) => Outcome::Failed(format!("{}: {}", e.kind().as_str(), e.message())),
    }
}

/// Runs one client until `limit` calls were started in total or `stop` is set. Every
/// `receipt_every` calls (0 = never) it also reads back the receipt it just got and checks the
/// gate's `signature_status` is `valid`. Once `terminating` is set, outcomes go to
/// `after_term` instead and the client stops after two refusals in a row (the listener is gone).
pub async fn client(url: String, tally: Arc<Tally>, call: Call, limit: u64, receipt_every: u64) {
    let client = match Client::builder().base_url(url).build() {
        Ok(c) => c,
        Err(e) => return tally.error(format!("client build: {e}")),
    };
    let mut calls = 0u64;
    let mut refused_in_a_row = 0;
    while !tally.stop.load(Ordering::Relaxed)
        && refused_in_a_row < 2
        && tally.started.fetch_add(1, Ordering::Relaxed) < limit
    {
        if calls.is_multiple_of(LEASE_CALLS) {
            if let Err(e) = client
                .connect(ConnectOptions::new().max_calls(LEASE_CALLS))
                .await
            {
                let what = format!("connect: {}: {}", e.kind().as_str(), e.message());
                if tally.terminating.load(Ordering::Relaxed) {
                    refused_in_a_row += 1;
                    tally.after(what);
                } else {
                    tally.error(what);
                }
                continue;
            }
        }
        calls += 1;
        let t = Instant::now();
        let r = client.execute(call.action(), call.params()).await;
        let receipt = r.as_ref().ok().map(|r| r.receipt_id.clone());
        let outcome = classify(r);
        if tally.terminating.load(Ordering::Relaxed) {
            refused_in_a_row = match &outcome {
                Outcome::Refused(_) => refused_in_a_row + 1,
                _ => 0,
            };
            tally.after(match outcome {
                Outcome::Answered => "answered".into(),
                Outcome::Refused(m) => format!("refused: {m}"),
                Outcome::Failed(m) => format!("FAILED: {m}"),
            });
            continue;
        }
        match outcome {
            Outcome::Answered => {
                tally.ok.fetch_add(1, Ordering::Relaxed);
                let us = t.elapsed().as_micros().min(u32::MAX as u128) as u32;
                tally
                    .latencies
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(us);
            }
            Outcome::Refused(m) | Outcome::Failed(m) => tally.error(m),
        }
        if let (Some(id), true) = (
            receipt,
            receipt_every > 0 && calls.is_multiple_of(receipt_every),
        ) {
            read_back(&client, &tally, &id).await;
        }
    }
}

async fn read_back(client: &Client, tally: &Tally, id: &str) {
    match client.get_receipt(id).await {
        Ok(rc) if rc.gate_signature_status() == Some("valid") => {}
        Ok(rc) => tally.error(format!(
            "receipt read back with signature_status {:?}",
            rc.gate_signature_status()
        )),
        Err(e) => tally.error(format!(
            "receipt read: {}: {}",
            e.kind().as_str(),
            e.message()
        )),
    }
}

/// Adds one to the count of `what` in `map` (a poisoned lock still counts).
fn count(map: &Mutex<BTreeMap<String, u64>>, what: String) {
    *map.lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(what)
        .or_default() += 1;
}
