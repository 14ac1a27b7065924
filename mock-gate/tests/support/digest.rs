//! SHA-256 digests the gate writes (request and response hashes, receipt `result_hash`),
//! recomputed here independently of the mock's code.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `sha256:<hex>` of the JCS form of `v`, as the gate writes `request_hash`, `response_hash`
/// and `prev_hash`.
pub fn jcs_sha256(v: &Value) -> String {
    let jcs = serde_json_canonicalizer::to_string(v).unwrap();
    format!("sha256:{}", sha256_hex(jcs.as_bytes()))
}

/// A receipt's `result_hash` recomputed from its members (times with `+00:00`, JCS, SHA-256
/// hex), independently of the mock's code.
pub fn receipt_result_hash(r: &Value) -> String {
    let mut m = serde_json::Map::new();
    for k in [
        "receipt_id",
        "grant_id",
        "provider_module_digest",
        "provider_receipt",
        "normalized_result",
        "verification_outcome",
        "effect_evidence",
        "started_at",
        "finished_at",
        "failure_class",
    ] {
        let mut v = r[k].clone();
        if k.ends_with("_at") {
            v = json!(v.as_str().unwrap().replace('Z', "+00:00"));
        }
        m.insert(k.into(), v);
    }
    let jcs = serde_json_canonicalizer::to_string(&Value::Object(m)).unwrap();
    sha256_hex(jcs.as_bytes())
}
