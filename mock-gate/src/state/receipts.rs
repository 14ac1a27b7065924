//! Execution receipts: the ten hashed fields, `result_hash` (JCS, `+00:00` timestamps),
//! Ed25519 signature over the hex string's ASCII bytes, `signature_status` on read.

use std::collections::{HashMap, VecDeque};

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde_json::{json, Map, Value};

use crate::caps::Bounded;
use crate::control::clock::rfc3339_nanos_z;
use crate::control::mutants::{Mutant, Switches};
use crate::crypto::sha256_hex;

/// The gate's receipt signing key and its published entry. Its `Debug` is derived: a
/// `SigningKey` shows only its public half.
#[derive(Debug)]
pub struct ReceiptSigner {
    key: SigningKey,
    kid: String,
    added_at: String,
}

impl ReceiptSigner {
    /// A fresh key; `kid` = first 16 hex chars of the hex public key.
    pub fn generate(added_at: chrono::DateTime<chrono::Utc>) -> Self {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let kid = hex::encode(key.verifying_key().as_bytes())[..16].to_string();
        Self {
            key,
            kid,
            added_at: added_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        }
    }

    /// Key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// `/v1/receipt-keys` entry (a `Value`: keys serialize sorted, as the gate's).
    pub fn key_entry(&self) -> Value {
        json!({
            "kid": self.kid,
            "x_hex": hex::encode(self.key.verifying_key().as_bytes()),
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "added_at": self.added_at,
            "use": "sig",
        })
    }

    fn sign_hex(&self, result_hash: &str) -> String {
        hex::encode(self.key.sign(result_hash.as_bytes()).to_bytes())
    }
}

/// Inputs of one receipt.
#[derive(Debug, Clone)]
pub struct ReceiptInput {
    /// Receipt id.
    pub receipt_id: String,
    /// Grant id.
    pub grant_id: String,
    /// Provider digest.
    pub provider_module_digest: String,
    /// Provider output.
    pub output: Value,
    /// Provider exit code.
    pub exit_code: i64,
    /// Tagged verification outcome (`{"status":…}`).
    pub verification_outcome: Value,
    /// Whether the outcome is `verification_failed`.
    pub verification_failed: bool,
    /// Dispatch start.
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Dispatch end.
    pub finished_at: chrono::DateTime<chrono::Utc>,
}

/// Builds and signs a receipt (without `signature_status`).
pub fn build(input: &ReceiptInput, signer: &ReceiptSigner, sw: &Switches) -> Value {
    let normalized = if input.exit_code == 0 {
        json!({"kind": "success", "summary": "provider completed successfully"})
    } else {
        json!({"kind": "provider_failure", "reason": format!("exit code {}", input.exit_code)})
    };
    let failure_class = if input.exit_code != 0 {
        json!("provider_error")
    } else if input.verification_failed {
        json!("verification_failed")
    } else {
        Value::Null
    };
    let mut r = Map::new();
    r.insert("receipt_id".into(), json!(input.receipt_id));
    r.insert("grant_id".into(), json!(input.grant_id));
    r.insert(
        "provider_module_digest".into(),
        json!(input.provider_module_digest),
    );
    r.insert("provider_receipt".into(), input.output.clone());
    r.insert("normalized_result".into(), normalized);
    r.insert(
        "verification_outcome".into(),
        input.verification_outcome.clone(),
    );
    r.insert("effect_evidence".into(), json!([]));
    r.insert(
        "started_at".into(),
        json!(rfc3339_nanos_z(input.started_at)),
    );
    r.insert(
        "finished_at".into(),
        json!(rfc3339_nanos_z(input.finished_at)),
    );
    r.insert("failure_class".into(), failure_class);
    let hash = result_hash(&r, sw);
    if !sw.has(Mutant::UnsignedReceipts) {
        let signed_over = if sw.has(Mutant::GarbledReceiptSignature) {
            format!("{hash}x")
        } else {
            hash.clone()
        };
        r.insert(
            "receipt_signature".into(),
            json!(signer.sign_hex(&signed_over)),
        );
        r.insert("signing_key_id".into(), json!(signer.kid()));
    }
    r.insert("result_hash".into(), json!(hash));
    Value::Object(r)
}

/// hex SHA-256 of JCS over the ten hashed fields, timestamps rewritten `Z` → `+00:00`.
pub fn result_hash(r: &Map<String, Value>, sw: &Switches) -> String {
    let mut m = Map::new();
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
        if sw.has(Mutant::WrongResultHash) && k == "provider_receipt" {
            continue;
        }
        let mut v = r.get(k).cloned().unwrap_or(Value::Null);
        if (k == "started_at" || k == "finished_at") && !sw.has(Mutant::ResultHashWithZTimestamps) {
            if let Some(s) = v.as_str().and_then(|s| s.strip_suffix('Z')) {
                v = json!(format!("{s}+00:00"));
            }
        }
        m.insert(k.into(), v);
    }
    let canonical = crate::crypto::jcs::to_vec(&Value::Object(m)).unwrap_or_default();
    sha256_hex(&canonical)
}

/// The server-side `signature_status` of a stored receipt.
pub fn signature_status(r: &Value, signer: &ReceiptSigner) -> &'static str {
    let Some(sig) = r.get("receipt_signature").and_then(Value::as_str) else {
        return "missing_signature";
    };
    let Some(kid) = r.get("signing_key_id").and_then(Value::as_str) else {
        return "missing_key_id";
    };
    if kid != signer.kid() {
        return "unknown_key_id";
    }
    let Some(bytes) = hex::decode(sig)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
    else {
        return "malformed_signature";
    };
    let hash = r.get("result_hash").and_then(Value::as_str).unwrap_or("");
    let signature = ed25519_dalek::Signature::from_bytes(&bytes);
    match signer
        .verifying_key()
        .verify_strict(hash.as_bytes(), &signature)
    {
        Ok(()) => "valid",
        Err(_) => "invalid",
    }
}

#[derive(Debug, Default)]
struct Stored {
    /// Compact JSON text by id (a third of the memory of a `Value` tree).
    by_id: HashMap<String, Box<str>>,
    /// Ids, oldest first.
    order: VecDeque<String>,
}

/// Stored receipts by id, the newest `capacity` kept: beyond it the oldest is forgotten and its
/// id then reads as unknown (404 `{"error":"not_found"}`, the gate's answer for any unknown id).
#[derive(Debug)]
pub struct ReceiptStore {
    stored: Bounded<Stored>,
}

impl ReceiptStore {
    /// A store keeping the newest `capacity` receipts.
    pub fn new(capacity: usize) -> Self {
        Self {
            stored: Bounded::new(capacity),
        }
    }

    /// Stores a receipt (one locked insert of the complete record).
    pub fn insert(&self, receipt: &Value) {
        let Some(id) = receipt.get("receipt_id").and_then(Value::as_str) else {
            return;
        };
        let capacity = self.stored.capacity();
        if capacity == 0 {
            return;
        }
        let text: Box<str> = receipt.to_string().into();
        let mut g = self.stored.lock();
        while g.order.len() >= capacity {
            match g.order.pop_front() {
                Some(old) => g.by_id.remove(&old),
                None => break,
            };
        }
        if g.by_id.insert(id.to_string(), text).is_none() {
            g.order.push_back(id.to_string());
        }
    }

    /// Reads a receipt.
    pub fn get(&self, id: &str) -> Option<Value> {
        let text = self.stored.lock().by_id.get(id).cloned()?;
        serde_json::from_str(&text).ok()
    }

    /// Number of receipts kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.stored.lock().order.len()
    }

    /// Forgets everything.
    pub fn clear(&self) {
        *self.stored.lock() = Stored::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signer_debug_shows_no_secret_key() {
        let signer = ReceiptSigner::generate(chrono::Utc::now());
        let shown = format!("{signer:?}");
        let secret = signer.key.to_bytes();
        for form in [hex::encode(secret), format!("{secret:?}")] {
            assert!(!shown.contains(&form), "secret key in Debug: {shown}");
        }
        assert!(
            shown.contains(signer.kid()),
            "kid missing from Debug: {shown}"
        );
    }

    #[test]
    fn full_store_forgets_the_oldest_receipt() {
        let s = ReceiptStore::new(2);
        for id in ["r1", "r2", "r3"] {
            s.insert(&json!({"receipt_id": id, "result_hash": "h"}));
        }
        assert!(s.get("r1").is_none(), "oldest receipt still readable");
        assert_eq!(
            s.get("r3"),
            Some(json!({"receipt_id": "r3", "result_hash": "h"}))
        );
        assert_eq!(s.len(), 2);
    }
}
