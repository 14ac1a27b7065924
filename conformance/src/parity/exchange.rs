//! One exchange in normalized form: what was asked (method, target, the headers and body that
//! carry meaning) and what came back (status, the headers that matter, the body as bytes in
//! member order). This is what `diff` compares and what a corpus stores.

use super::node::Node;
use super::normalize::Normalizer;
use crate::http::{Exchange, RawRequest, RawResponse};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Response headers compared between gates.
pub const COMPARED_HEADERS: [&str; 4] =
    ["content-type", "retry-after", "allow", "www-authenticate"];
/// Request headers kept in the record (the others carry no meaning for the gate's answer).
const REQUEST_HEADERS: [&str; 4] = ["authorization", "dpop", "content-type", "host"];

/// A normalized exchange.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormExchange {
    /// `suite/<scenario>/<n>` or `explore/<case>/<n>`.
    pub id: String,
    /// `client` or `admin`.
    pub listener: String,
    /// What was sent.
    pub request: NormRequest,
    /// What came back.
    pub response: NormResponse,
    /// Real-gate laxness points this exchange (or an earlier one of its sequence) exercises;
    /// a strict mock is not compared on such exchanges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lax: Vec<String>,
}

/// A normalized request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormRequest {
    /// Method.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Kept headers, in order, names lower-case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// Body text (JSON compact in member order), empty for none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
}

/// A normalized answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NormResponse {
    /// An HTTP answer.
    Http {
        /// Status code.
        status: u16,
        /// The compared headers that were present.
        #[serde(default)]
        headers: BTreeMap<String, String>,
        /// Body: `json`, `text` or `empty`.
        body_kind: String,
        /// Normalized body text; JSON in member order, compact.
        #[serde(default)]
        body: String,
        /// False when the JSON bytes were not the compact form (whitespace, escapes).
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        compact_bytes: bool,
    },
    /// No answer: a transport error (text normalized).
    Transport {
        /// The error.
        error: String,
    },
    /// The step was not sent on this side (its precondition failed).
    NotSent {
        /// Why.
        reason: String,
    },
    /// A gate-suite scenario's verdict on this gate.
    Verdict {
        /// `pass`, `fail: <message>` or `skip: <reason>`.
        outcome: String,
    },
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// Normalizes one raw request.
pub fn request(n: &Normalizer, r: &RawRequest) -> NormRequest {
    let headers = r
        .headers
        .iter()
        .filter(|(k, _)| REQUEST_HEADERS.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(k, v)| (k.to_ascii_lowercase(), n.text(v)))
        .collect();
    NormRequest {
        method: r.method.clone(),
        target: n.text(&r.target),
        headers,
        body: body_text(n, &r.body).0,
    }
}

/// Normalizes one answer.
pub fn response(n: &Normalizer, r: &Result<RawResponse, String>) -> NormResponse {
    let r = match r {
        Ok(r) => r,
        Err(e) => return NormResponse::Transport { error: n.text(e) },
    };
    let headers = COMPARED_HEADERS
        .iter()
        .filter_map(|h| r.header(h).map(|v| (h.to_string(), n.text(v))))
        .collect();
    let (body, kind, compact_bytes) = body_text(n, &r.body);
    NormResponse::Http {
        status: r.status,
        headers,
        body_kind: kind.into(),
        body,
        compact_bytes,
    }
}

/// Normalized body text, its kind, and whether JSON bytes were compact.
fn body_text(n: &Normalizer, bytes: &[u8]) -> (String, &'static str, bool) {
    if bytes.is_empty() {
        return (String::new(), "empty", true);
    }
    match Node::parse(bytes) {
        Some(node) => {
            let compact = node.compact().as_bytes() == bytes;
            (n.node(&node).compact(), "json", compact)
        }
        None => (n.text(&String::from_utf8_lossy(bytes)), "text", true),
    }
}

/// Normalizes an exchange; `client` tells which endpoint string is the client listener.
pub fn normalize(n: &Normalizer, id: String, client: &str, ex: &Exchange) -> NormExchange {
    NormExchange {
        id,
        listener: if ex.endpoint == client {
            "client"
        } else {
            "admin"
        }
        .into(),
        request: request(n, &ex.request),
        response: response(n, &ex.response),
        lax: Vec::new(),
    }
}

/// The real-gate laxness points a request exercises: `multiple_dpop_headers` (more than one
/// `DPoP` header), `private_jwk_members` (a `d` in the proof's jwk), `dpop_key_cache` (a proof
/// header other than the standard one under a token that already carried a proof: the gate's
/// key cache skips the header). `seen` holds tokens that carried a proof before.
pub fn lax_points(r: &RawRequest, seen: &mut Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    let proofs: Vec<&str> = r
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("dpop"))
        .map(|(_, v)| v.as_str())
        .collect();
    if proofs.len() > 1 {
        out.push("multiple_dpop_headers".to_string());
    }
    let Some(proof) = proofs.first() else {
        return out;
    };
    let header = proof
        .split('.')
        .next()
        .and_then(|h| latchgate::crypto::b64::decode(h).ok())
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    if header.as_ref().is_some_and(|h| h["jwk"].get("d").is_some()) {
        out.push("private_jwk_members".to_string());
    }
    let token = r
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let standard = header.as_ref().is_some_and(|h| {
        h.as_object().map(|o| o.len()) == Some(3)
            && h["typ"] == "dpop+jwt"
            && h["alg"] == "ES256"
            && h["jwk"]
                .as_object()
                .is_some_and(|j| j.len() == 4 && j["kty"] == "EC" && j["crv"] == "P-256")
    });
    // An operator key (api-key token, not a lease JWT) is warm on a long-lived gate from its
    // first use on, whichever scenario made it.
    let operator = !token.is_empty() && !token.starts_with("DPoP eyJ");
    if operator || seen.contains(&token) {
        if !standard {
            out.push("dpop_key_cache".to_string());
        }
    } else {
        seen.push(token);
    }
    out
}

/// Marks each exchange with the lax points of its own request and of every earlier one
/// (a lax acceptance changes what follows: budgets, replay caches).
pub fn mark_lax(exchanges: &mut [NormExchange], raw: &[RawRequest]) {
    let mut seen = Vec::new();
    let mut carried: Vec<String> = Vec::new();
    for (ex, req) in exchanges.iter_mut().zip(raw) {
        for p in lax_points(req, &mut seen) {
            if !carried.contains(&p) {
                carried.push(p);
            }
        }
        ex.lax = carried.clone();
    }
}
