//! Hand-built JWS pieces: base64url, `ath`, compact ES256 signing and reading a token's claims.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub fn b64(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

/// Decodes unpadded base64url.
pub fn b64d(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(s)
        .unwrap_or_else(|e| panic!("not base64url ({e}): {s}"))
}

/// The claims segment of a compact JWT, as text.
pub fn claims_text(token: &str) -> String {
    let claims = token.split('.').nth(1).expect("a claims segment");
    String::from_utf8(b64d(claims)).unwrap()
}

/// The claims of a compact JWT.
pub fn claims_of(token: &str) -> Value {
    serde_json::from_str(&claims_text(token)).unwrap()
}

pub fn ath(token: &str) -> String {
    b64(&Sha256::digest(token.as_bytes()))
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Compact JWS over arbitrary header/claims.
pub fn sign(key: &SigningKey, header: &Value, claims: &Value) -> String {
    let h = b64(&serde_json::to_vec(header).unwrap());
    let c = b64(&serde_json::to_vec(claims).unwrap());
    let sig: Signature = key.sign(format!("{h}.{c}").as_bytes());
    format!("{h}.{c}.{}", b64(&sig.to_bytes()))
}
