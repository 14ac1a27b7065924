//! The request journal: every request either listener answered, with the decoded DPoP proof
//! and the verdict.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::caps::Bounded;

/// Decoded (unverified) DPoP proof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodedProof {
    /// JOSE header.
    pub header: Value,
    /// Claims.
    pub claims: Value,
}

/// One journalled request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Sequence number (from 1).
    pub seq: u64,
    /// `client` or `admin`.
    pub listener: String,
    /// Method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Request headers (names lowercase, in arrival order).
    pub headers: Vec<(String, String)>,
    /// Request body (UTF-8, lossy).
    pub body: String,
    /// Decoded `DPoP` header, when it parses.
    pub dpop: Option<DecodedProof>,
    /// Response status.
    pub status: u16,
    /// Response body (UTF-8, lossy; empty for streamed bodies).
    pub response_body: String,
    /// `error` member of a JSON error body.
    pub error: Option<String>,
    /// `deny_reason` member of a JSON error body.
    pub deny_reason: Option<String>,
    /// Virtual time of arrival (Unix ms).
    pub at_unix_ms: i64,
    /// Set when a fault answered or altered the request.
    pub fault: Option<String>,
}

impl JournalEntry {
    /// First value of a request header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Decodes a compact JWS's header and claims without verifying it.
pub fn decode_proof(proof: &str) -> Option<DecodedProof> {
    let mut parts = proof.split('.');
    let h = crate::crypto::b64_decode(parts.next()?)?;
    let c = crate::crypto::b64_decode(parts.next()?)?;
    Some(DecodedProof {
        header: serde_json::from_slice(&h).ok()?,
        claims: serde_json::from_slice(&c).ok()?,
    })
}

#[derive(Debug, Default)]
struct Ring {
    /// Oldest first.
    entries: VecDeque<JournalEntry>,
    /// Entries pushed since start or the last clear.
    pushed: u64,
    /// Entries dropped to stay within the capacity.
    dropped: u64,
}

/// The journal: a ring of the newest `capacity` entries that counts what it dropped. Decoded
/// proofs are not stored: [`Journal::entries`] decodes them from the `dpop` header on read.
#[derive(Debug)]
pub struct Journal {
    ring: Bounded<Ring>,
}

impl Default for Journal {
    fn default() -> Self {
        Self::new(crate::caps::Caps::default().journal)
    }
}

impl Journal {
    /// A journal keeping the newest `capacity` entries (0 = keeps none, counts all as dropped).
    pub fn new(capacity: usize) -> Self {
        Self {
            ring: Bounded::new(capacity),
        }
    }

    /// Appends an entry, numbering it (from 1, in arrival order); drops the oldest when full.
    pub fn push(&self, mut e: JournalEntry) {
        let mut g = self.ring.lock();
        g.pushed += 1;
        e.seq = g.pushed;
        e.dpop = None;
        if self.capacity() == 0 {
            g.dropped += 1;
            return;
        }
        if g.entries.len() >= self.capacity() {
            g.entries.pop_front();
            g.dropped += 1;
        }
        g.entries.push_back(e);
    }

    /// A copy of every kept entry, oldest first, with its decoded proof.
    pub fn entries(&self) -> Vec<JournalEntry> {
        let kept: Vec<JournalEntry> = self.ring.lock().entries.iter().cloned().collect();
        kept.into_iter()
            .map(|mut e| {
                e.dpop = e.header("dpop").and_then(decode_proof);
                e
            })
            .collect()
    }

    /// Entries whose path starts with `prefix`.
    pub fn matching(&self, method: &str, path_prefix: &str) -> Vec<JournalEntry> {
        self.entries()
            .into_iter()
            .filter(|e| e.method == method && e.path.starts_with(path_prefix))
            .collect()
    }

    /// Number of kept entries.
    pub fn len(&self) -> usize {
        self.ring.lock().entries.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries dropped (oldest first) to stay within the capacity since start or the last clear.
    pub fn dropped(&self) -> u64 {
        self.ring.lock().dropped
    }

    /// The most entries kept.
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// Forgets everything (numbering and the dropped count start again).
    pub fn clear(&self) {
        *self.ring.lock() = Ring::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> JournalEntry {
        JournalEntry {
            seq: 0,
            listener: "client".into(),
            method: "GET".into(),
            path: path.into(),
            headers: vec![(
                "dpop".into(),
                "eyJ0eXAiOiJkcG9wK2p3dCJ9.eyJqdGkiOiJqIn0.c2ln".into(),
            )],
            body: String::new(),
            dpop: None,
            status: 200,
            response_body: String::new(),
            error: None,
            deny_reason: None,
            at_unix_ms: 0,
            fault: None,
        }
    }

    #[test]
    fn full_journal_drops_the_oldest_and_counts_it() {
        let j = Journal::new(2);
        for p in ["/a", "/b", "/c"] {
            j.push(entry(p));
        }
        let kept: Vec<(u64, String)> = j.entries().into_iter().map(|e| (e.seq, e.path)).collect();
        assert_eq!(kept, [(2, "/b".to_string()), (3, "/c".to_string())]);
        assert_eq!(j.dropped(), 1, "dropped count");
    }

    #[test]
    fn decoded_proof_is_read_from_the_dpop_header() {
        let j = Journal::new(1);
        j.push(entry("/a"));
        let d = j.entries().remove(0).dpop.expect("proof not decoded");
        assert_eq!(
            (d.header["typ"].as_str(), d.claims["jti"].as_str()),
            (Some("dpop+jwt"), Some("j"))
        );
    }

    #[test]
    fn clear_restarts_numbering_and_the_dropped_count() {
        let j = Journal::new(1);
        j.push(entry("/a"));
        j.push(entry("/b"));
        j.clear();
        j.push(entry("/c"));
        assert_eq!((j.entries()[0].seq, j.dropped()), (1, 0));
    }
}
