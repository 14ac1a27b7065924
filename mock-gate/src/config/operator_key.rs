//! Generated operator credentials (what `latchgate init` creates: operator `default`, api key
//! `key-default-<32 hex>`, a P-256 key in PKCS#8 PEM, its RFC 7638 thumbprint as `dpop_jkt`).

use p256::ecdsa::SigningKey;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use rand::RngCore;

use crate::config::settings::OperatorCredential;

/// A fresh operator credential with its private key.
pub fn generate(id: &str) -> OperatorCredential {
    let key = SigningKey::random(&mut rand::rngs::OsRng);
    let mut raw = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map(|p| p.to_string())
        .unwrap_or_default();
    OperatorCredential {
        id: id.into(),
        api_key: format!("key-{id}-{}", hex::encode(raw)),
        dpop_jkt: Some(jkt_of(&key)),
        private_key_pem: Some(pem),
    }
}

impl OperatorCredential {
    /// A fresh credential for operator `id` (api key, P-256 key, its thumbprint), as
    /// `latchgate init` creates one.
    pub fn generate(id: &str) -> Self {
        generate(id)
    }
}

/// Thumbprint of a PEM key (PKCS#8 or SEC1).
#[cfg(feature = "cli")]
pub fn jkt_of_pem(pem: &str) -> Result<String, String> {
    use p256::pkcs8::DecodePrivateKey;
    let key = SigningKey::from_pkcs8_pem(pem)
        .or_else(|_| p256::SecretKey::from_sec1_pem(pem).map(|s| SigningKey::from(&s)))
        .map_err(|_| "operator key is not a P-256 PKCS#8 or SEC1 PEM".to_string())?;
    Ok(jkt_of(&key))
}

fn jkt_of(key: &SigningKey) -> String {
    let point = key.verifying_key().to_encoded_point(false);
    let x = crate::crypto::b64(point.x().map(|x| &x[..]).unwrap_or_default());
    let y = crate::crypto::b64(point.y().map(|y| &y[..]).unwrap_or_default());
    crate::crypto::thumbprint(&x, &y)
}
