//! The receipt `result_hash` (SDK-CONTRACT C-VER-02..04, PROTOCOL §10.3).

use serde_json::{Map, Value};

use super::jcs::{self, JcsError};

/// The ten receipt members covered by `result_hash`, in the gate's struct order.
pub const HASHED_FIELDS: [&str; 10] = [
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
];

/// Why `result_hash` cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptHashError {
    /// One of [`HASHED_FIELDS`] is absent (`failure_class` must be present, even as null).
    #[error("receipt member {0:?} is missing")]
    MissingField(&'static str),
    /// The hash input has no RFC 8785 form.
    #[error(transparent)]
    Jcs(#[from] JcsError),
}

/// Rewrite a trailing `Z` to `+00:00`, the form the gate hashes; the fraction is kept and
/// any other value is returned unchanged.
///
/// ```
/// use latchgate::crypto::receipt::to_hash_timestamp;
/// assert_eq!(to_hash_timestamp("2026-01-02T03:04:05.120Z"), "2026-01-02T03:04:05.120+00:00");
/// assert_eq!(to_hash_timestamp("2026-01-02T03:04:05+00:00"), "2026-01-02T03:04:05+00:00");
/// ```
pub fn to_hash_timestamp(ts: &str) -> String {
    match ts.strip_suffix('Z') {
        Some(stem) => format!("{stem}+00:00"),
        None => ts.to_owned(),
    }
}

/// Lower-case hex SHA-256 of the JCS form of the ten hashed members, values as received
/// except `started_at`/`finished_at` strings rewritten by [`to_hash_timestamp`].
pub fn compute_result_hash(receipt: &Map<String, Value>) -> Result<String, ReceiptHashError> {
    let mut input = Map::new();
    for name in HASHED_FIELDS {
        let value = receipt
            .get(name)
            .ok_or(ReceiptHashError::MissingField(name))?;
        let value = match (name, value) {
            ("started_at" | "finished_at", Value::String(ts)) => {
                Value::String(to_hash_timestamp(ts))
            }
            _ => value.clone(),
        };
        input.insert(name.to_owned(), value);
    }
    let canonical = jcs::canonicalize(&Value::Object(input))?;
    Ok(jcs::sha256_hex(canonical.as_bytes()))
}
