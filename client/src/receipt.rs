//! Execution receipts and their offline verification (SDK-CONTRACT C-RCPT, C-VER).
//!
//! The raw JSON object is kept exactly as received; [`Receipt::verify`] recomputes
//! `result_hash` from it and checks the gate's Ed25519 signature against keys in the
//! shape of `GET /v1/receipt-keys` (or the gate's `receipt_keys_jwks_path` file).

use std::fmt;

use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{Map, Value};

use crate::crypto::receipt::{compute_result_hash, ReceiptHashError};
use crate::error::{Endpoint, Error};
pub use crate::wire::ReceiptKey;

/// An execution receipt as the gate sent it.
#[derive(Clone, Debug, PartialEq)]
pub struct Receipt {
    raw: Value,
}

impl Receipt {
    /// Wrap a receipt body. It must be a JSON object whose `receipt_id`, `grant_id`,
    /// `result_hash`, `started_at` and `finished_at` are strings (C-RCPT-02); otherwise the
    /// answer is a `ProtocolError`. Nothing is modified.
    pub fn from_json(raw: Value) -> Result<Self, Error> {
        let Some(members) = raw.as_object() else {
            return Err(Error::protocol(
                Endpoint::Receipt,
                None,
                "a receipt must be a JSON object",
            ));
        };
        for name in [
            "receipt_id",
            "grant_id",
            "result_hash",
            "started_at",
            "finished_at",
        ] {
            if !members.get(name).is_some_and(Value::is_string) {
                return Err(Error::protocol(
                    Endpoint::Receipt,
                    None,
                    format!("receipt member {name:?} is missing or not a string"),
                ));
            }
        }
        Ok(Self { raw })
    }

    /// The receipt exactly as received.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    fn text(&self, name: &str) -> Option<&str> {
        self.raw.get(name).and_then(Value::as_str)
    }

    /// `receipt_id`.
    pub fn receipt_id(&self) -> &str {
        self.text("receipt_id").unwrap_or_default()
    }

    /// `grant_id`.
    pub fn grant_id(&self) -> &str {
        self.text("grant_id").unwrap_or_default()
    }

    /// `result_hash`: 64 lower-case hex characters, no prefix.
    pub fn result_hash(&self) -> &str {
        self.text("result_hash").unwrap_or_default()
    }

    /// `started_at`, RFC 3339 with `Z`.
    pub fn started_at(&self) -> &str {
        self.text("started_at").unwrap_or_default()
    }

    /// `finished_at`, RFC 3339 with `Z`.
    pub fn finished_at(&self) -> &str {
        self.text("finished_at").unwrap_or_default()
    }

    /// `provider_module_digest`.
    pub fn provider_module_digest(&self) -> Option<&str> {
        self.text("provider_module_digest")
    }

    /// `provider_receipt`: the provider's output, any JSON.
    pub fn provider_receipt(&self) -> Option<&Value> {
        self.raw.get("provider_receipt")
    }

    /// `normalized_result`, tagged by `kind`.
    pub fn normalized_result(&self) -> Option<&Value> {
        self.raw.get("normalized_result")
    }

    /// The `kind` tag of `normalized_result` (`success`, `provider_failure`, `timeout`, …).
    pub fn normalized_result_kind(&self) -> Option<&str> {
        self.normalized_result()?.get("kind")?.as_str()
    }

    /// `verification_outcome`, an object tagged by `status` on receipts.
    pub fn verification_outcome(&self) -> Option<&Value> {
        self.raw.get("verification_outcome")
    }

    /// The `status` tag of `verification_outcome`.
    pub fn verification_status(&self) -> Option<&str> {
        self.verification_outcome()?.get("status")?.as_str()
    }

    /// `effect_evidence` (always `[]` on gate 0.2.0).
    pub fn effect_evidence(&self) -> Option<&Value> {
        self.raw.get("effect_evidence")
    }

    /// `failure_class`: a string, or `None` when null.
    pub fn failure_class(&self) -> Option<&str> {
        self.text("failure_class")
    }

    /// `receipt_signature`, 128 hex characters, when the receipt is signed.
    pub fn receipt_signature(&self) -> Option<&str> {
        self.text("receipt_signature")
    }

    /// `signing_key_id`, 16 hex characters, when the receipt is signed.
    pub fn signing_key_id(&self) -> Option<&str> {
        self.text("signing_key_id")
    }

    /// The gate's own `signature_status`. This is the gate's claim, not a verification:
    /// use [`Receipt::verify`] for that.
    pub fn gate_signature_status(&self) -> Option<&str> {
        self.text("signature_status")
    }

    /// `normalized_result.kind == "success"` and `verification_outcome.status` is
    /// `verified` or `unverifiable_declared` (C-RCPT-03).
    pub fn is_fully_successful(&self) -> bool {
        self.normalized_result_kind() == Some("success")
            && matches!(
                self.verification_status(),
                Some("verified" | "unverifiable_declared")
            )
    }

    /// Verify offline against `keys` and report exactly one status (C-VER-06).
    pub fn verify(&self, keys: &[ReceiptKey]) -> VerificationStatus {
        verify_value(&self.raw, keys).status
    }

    /// Like [`Receipt::verify`], with the check that failed and what differed.
    pub fn verify_detailed(&self, keys: &[ReceiptKey]) -> Verification {
        verify_value(&self.raw, keys)
    }
}

/// The one result of a receipt verification (C-VER-06).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VerificationStatus {
    /// Hash and signature check out.
    Valid,
    /// The recomputed hash differs from `result_hash`: some hashed member was changed.
    HashMismatch,
    /// The signature does not verify with the selected key (or that key is unusable).
    Invalid,
    /// `receipt_signature` is absent or empty.
    MissingSignature,
    /// `signing_key_id` is absent or empty.
    MissingKeyId,
    /// No Ed25519 key has the receipt's `signing_key_id`.
    UnknownKeyId,
    /// `receipt_signature` is not 128 hex characters.
    MalformedSignature,
    /// The receipt is not an object, or a hashed member or `result_hash` is missing.
    Malformed,
}

impl VerificationStatus {
    /// The contract's name: `valid`, `hash_mismatch`, `invalid`, `missing_signature`,
    /// `missing_key_id`, `unknown_key_id`, `malformed_signature`, `malformed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::HashMismatch => "hash_mismatch",
            Self::Invalid => "invalid",
            Self::MissingSignature => "missing_signature",
            Self::MissingKeyId => "missing_key_id",
            Self::UnknownKeyId => "unknown_key_id",
            Self::MalformedSignature => "malformed_signature",
            Self::Malformed => "malformed",
        }
    }

    /// Only [`VerificationStatus::Valid`] is a success.
    pub fn is_valid(self) -> bool {
        self == Self::Valid
    }
}

impl fmt::Display for VerificationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verification result with the reason, for people and logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    /// The result.
    pub status: VerificationStatus,
    /// Which check decided, and what differed.
    pub detail: String,
    /// The recomputed `result_hash`, when it could be computed.
    pub computed_hash: Option<String>,
}

impl Verification {
    fn new(status: VerificationStatus, detail: impl Into<String>, hash: Option<&str>) -> Self {
        Self {
            status,
            detail: detail.into(),
            computed_hash: hash.map(str::to_owned),
        }
    }
}

/// Verify a raw receipt object against `keys`; the same checks as [`Receipt::verify`],
/// usable on receipts that [`Receipt::from_json`] would refuse.
pub fn verify_value(raw: &Value, keys: &[ReceiptKey]) -> Verification {
    use VerificationStatus as S;
    let Some(members) = raw.as_object() else {
        return Verification::new(S::Malformed, "the receipt is not a JSON object", None);
    };
    let Some(claimed) = members.get("result_hash").and_then(Value::as_str) else {
        return Verification::new(S::Malformed, "result_hash is missing or not a string", None);
    };
    let computed = match compute_result_hash(members) {
        Ok(hash) => hash,
        Err(ReceiptHashError::MissingField(name)) => {
            return Verification::new(
                S::Malformed,
                format!("hashed member {name:?} is missing"),
                None,
            )
        }
        Err(e) => return Verification::new(S::Malformed, e.to_string(), None),
    };
    let hash = Some(computed.as_str());
    if computed != claimed {
        let detail = format!("result_hash is {claimed:?} but the members hash to {computed:?}");
        return Verification::new(S::HashMismatch, detail, hash);
    }
    let signature_hex = match text_member(members, "receipt_signature") {
        Ok(text) => text,
        Err(why) => return why.verdict(S::MissingSignature, S::MalformedSignature, hash),
    };
    let kid = match text_member(members, "signing_key_id") {
        Ok(text) => text,
        Err(why) => return why.verdict(S::MissingKeyId, S::Malformed, hash),
    };
    let Some(key) = keys.iter().find(|k| k.kid == *kid && is_ed25519(k)) else {
        return Verification::new(
            S::UnknownKeyId,
            format!("no Ed25519 key with kid {kid:?}"),
            hash,
        );
    };
    let signature = match decode_fixed::<64>(signature_hex) {
        Some(bytes) => Signature::from_bytes(&bytes),
        None => {
            let detail = "receipt_signature is not 128 hex characters (64 bytes)";
            return Verification::new(S::MalformedSignature, detail, hash);
        }
    };
    let Some(public) =
        decode_fixed::<32>(&key.x_hex).and_then(|b| VerifyingKey::from_bytes(&b).ok())
    else {
        let detail = format!("key {kid:?} has an x_hex that is not an Ed25519 public key");
        return Verification::new(S::Invalid, detail, hash);
    };
    // The gate signs the ASCII bytes of the hex string, not the raw digest.
    match public.verify_strict(claimed.as_bytes(), &signature) {
        Ok(()) => Verification::new(S::Valid, format!("signed by key {kid:?}"), hash),
        Err(_) => Verification::new(
            S::Invalid,
            format!("the signature does not verify with key {kid:?}"),
            hash,
        ),
    }
}

/// Why a string member the signature check needs is unusable, and what that says.
enum BadMember {
    /// Absent, null or empty.
    Missing(String),
    /// Present but not a string.
    NotText(String),
}

impl BadMember {
    fn verdict(
        self,
        missing: VerificationStatus,
        not_text: VerificationStatus,
        hash: Option<&str>,
    ) -> Verification {
        match self {
            Self::Missing(detail) => Verification::new(missing, detail, hash),
            Self::NotText(detail) => Verification::new(not_text, detail, hash),
        }
    }
}

fn text_member<'a>(members: &'a Map<String, Value>, name: &str) -> Result<&'a str, BadMember> {
    match members.get(name) {
        None | Some(Value::Null) => Err(BadMember::Missing(format!("no {name}"))),
        Some(Value::String(s)) if s.is_empty() => {
            Err(BadMember::Missing(format!("{name} is empty")))
        }
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(BadMember::NotText(format!("{name} is not a string"))),
    }
}

fn is_ed25519(key: &ReceiptKey) -> bool {
    key.kty == "OKP" && key.crv == "Ed25519"
}

fn decode_fixed<const N: usize>(text: &str) -> Option<[u8; N]> {
    hex::decode(text).ok()?.try_into().ok()
}

/// Read a receipt key list: `{"keys":[…]}` (the `/v1/receipt-keys` answer and the gate's
/// key file) or a bare array. Entries with another `kty`/`crv` are skipped; a malformed
/// list or an Ed25519 entry whose `x_hex` is not 64 hex characters is `InvalidInput{keys}`
/// (C-VER-01).
pub fn parse_receipt_keys(value: &Value) -> Result<Vec<ReceiptKey>, Error> {
    let entries = match value {
        Value::Object(members) => members.get("keys").and_then(Value::as_array),
        Value::Array(items) => Some(items),
        _ => None,
    }
    .ok_or_else(|| Error::invalid_input("keys", "expected {\"keys\":[…]} or an array of keys"))?;
    let mut keys = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let members: &Map<String, Value> = entry
            .as_object()
            .ok_or_else(|| Error::invalid_input("keys", format!("key {i} is not an object")))?;
        let kty = members.get("kty").and_then(Value::as_str);
        let crv = members.get("crv").and_then(Value::as_str);
        if (kty, crv) != (Some("OKP"), Some("Ed25519")) {
            continue;
        }
        let key: ReceiptKey = serde_json::from_value(entry.clone())
            .map_err(|e| Error::invalid_input("keys", format!("key {i}: {e}")))?;
        if decode_fixed::<32>(&key.x_hex).is_none() {
            return Err(Error::invalid_input(
                "keys",
                format!("key {i}: x_hex must be 64 hex characters"),
            ));
        }
        keys.push(key);
    }
    Ok(keys)
}
