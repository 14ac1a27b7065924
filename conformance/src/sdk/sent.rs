//! What the SDK sent, as the tap's journal shows it: the queries scenarios judge by.

use super::tap::{self, Entry};
use super::SdkCtx;
use crate::check::{ensure_eq, Check, Failure};
use serde_json::Value;

impl SdkCtx {
    /// Everything the SDK sent so far.
    pub fn journal(&self) -> Vec<Entry> {
        self.tap.journal()
    }

    /// The requests whose path contains `fragment`.
    pub fn sent(&self, fragment: &str) -> Vec<Entry> {
        self.tap
            .journal()
            .into_iter()
            .filter(|e| e.path().contains(fragment))
            .collect()
    }

    /// Fails unless exactly `n` requests whose path contains `fragment` were sent so far.
    pub fn expect_sent(&self, what: &str, fragment: &str, n: usize) -> Check {
        ensure_eq(what, n, self.sent(fragment).len())
    }

    /// The first request whose path contains `fragment`; fails with `missing` when there is none.
    pub fn first_sent(&self, fragment: &str, missing: &str) -> Check<Entry> {
        self.sent(fragment)
            .first()
            .cloned()
            .ok_or_else(|| Failure::fail(missing))
    }

    /// Lease requests so far.
    pub fn leases(&self) -> Vec<Entry> {
        self.sent("/v1/leases")
    }

    /// The `lease_jwt` the gate answered to the first lease request (empty if none).
    pub fn first_lease_jwt(&self) -> String {
        self.leases()
            .first()
            .and_then(|l| l.response_json())
            .and_then(|v| v["lease_jwt"].as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// The first lease request the SDK sent.
    pub fn first_lease(&self) -> Check<Entry> {
        self.first_sent("/v1/leases", "no lease request")
    }

    /// Sends `cmd`, which must fail with `kind` before any I/O; `what` names the call.
    pub async fn err_before_io(&mut self, cmd: Value, kind: &str, what: &str) -> Check {
        let before = self.tap.io();
        self.err(cmd, kind).await?;
        self.no_io_since(before, what)
    }

    /// Fails unless the SDK neither opened a connection nor sent a request since `before` (a
    /// [`tap::Tap::io`] reading): a pre-I/O check, blind to neither new nor kept-alive connections.
    pub fn no_io_since(&self, before: tap::Io, what: &str) -> Check {
        let now = self.tap.io();
        if now == before {
            Ok(())
        } else {
            Err(Failure::mismatch(
                format!("{what} must fail before any I/O"),
                "no connection to the gate and no request",
                format!(
                    "{} new connection(s), {} request(s)",
                    now.connections - before.connections,
                    now.requests - before.requests
                ),
            ))
        }
    }
}
