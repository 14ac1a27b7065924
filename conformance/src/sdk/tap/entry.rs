//! The tap's journal: one entry per request the SDK sent, and its I/O counters.

use crate::http;
use serde_json::Value;

/// One request the SDK sent, and what it got.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Method.
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    /// Headers as sent (lower-case names, order kept).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// HTTP version, e.g. `HTTP/1.1`.
    pub version: String,
    /// Status answered (None when the connection was dropped).
    pub status: Option<u16>,
    /// True when the request reached the gate.
    pub forwarded: bool,
    /// The body answered to the SDK.
    pub response: Vec<u8>,
    /// Gate limiter refusals the tap retried before this answer (runner load, not the SDK's).
    pub limiter_refusals: u32,
}

impl Entry {
    /// All values of a header.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        http::header_values(&self.headers, name)
    }
    /// First value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_all(name).into_iter().next()
    }
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or(&self.target)
    }
    /// The body as JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
    /// The answered body as JSON.
    pub fn response_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.response).ok()
    }
    /// One-line summary for reports.
    pub fn line(&self) -> String {
        let mut s = format!("{} {}", self.method, self.target);
        if !self.body.is_empty() {
            s.push_str(&format!(
                " {}",
                http::cut(&String::from_utf8_lossy(&self.body), 200)
            ));
        }
        match self.status {
            Some(st) => s.push_str(&format!(
                " → {st}{}",
                if self.forwarded { "" } else { " (tap)" }
            )),
            None => s.push_str(" → connection dropped"),
        }
        if self.limiter_refusals > 0 {
            s.push_str(&format!(
                " (after {} gate limiter refusal(s) the tap retried)",
                self.limiter_refusals
            ));
        }
        s
    }
}

/// A reading of the tap's I/O counters ([`Tap::io`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Io {
    /// Connections accepted.
    pub connections: usize,
    /// Requests received.
    pub requests: usize,
}
