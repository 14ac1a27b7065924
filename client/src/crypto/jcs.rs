//! RFC 8785 JSON canonicalisation and the hashes built on it.
//!
//! Backed by `serde_json_canonicalizer`, the crate the gate itself uses: keys sorted by
//! UTF-16 code units at every depth, ECMAScript number form, minimal escaping, raw UTF-8.

use sha2::{Digest, Sha256};

/// A value that has no RFC 8785 form (for instance a number that is not finite).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("JSON canonicalisation failed: {reason}")]
pub struct JcsError {
    reason: String,
}

/// The RFC 8785 canonical text of `value`.
///
/// ```
/// let v = serde_json::json!({"b": 2, "a": [true, null]});
/// assert_eq!(latchgate::crypto::jcs::canonicalize(&v).unwrap(), r#"{"a":[true,null],"b":2}"#);
/// ```
pub fn canonicalize(value: &serde_json::Value) -> Result<String, JcsError> {
    serde_json_canonicalizer::to_string(value).map_err(|e| JcsError {
        reason: e.to_string(),
    })
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The gate's `request_hash` of an execute body: `"sha256:"` + hex SHA-256 of its JCS form.
///
/// ```
/// assert_eq!(
///     latchgate::crypto::jcs::request_hash(&serde_json::json!({})).unwrap(),
///     "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
/// );
/// ```
pub fn request_hash(value: &serde_json::Value) -> Result<String, JcsError> {
    Ok(format!(
        "sha256:{}",
        sha256_hex(canonicalize(value)?.as_bytes())
    ))
}
