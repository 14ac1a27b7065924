//! The request journal: every request either listener answered, with the decoded DPoP proof
//! and the verdict.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

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

/// Append-only journal.
#[derive(Debug, Default)]
pub struct Journal {
    entries: Mutex<Vec<JournalEntry>>,
}

impl Journal {
    /// Appends an entry, numbering it.
    pub fn push(&self, mut e: JournalEntry) {
        let mut g = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        e.seq = g.len() as u64 + 1;
        g.push(e);
    }

    /// A copy of every entry.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Entries whose path starts with `prefix`.
    pub fn matching(&self, method: &str, path_prefix: &str) -> Vec<JournalEntry> {
        self.entries()
            .into_iter()
            .filter(|e| e.method == method && e.path.starts_with(path_prefix))
            .collect()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether nothing was journalled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
