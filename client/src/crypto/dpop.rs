//! DPoP keys and proofs (RFC 9449 as the gate implements it, SDK-CONTRACT C-DPOP).
//!
//! [`build_proof`] makes the standard proof an SDK sends. [`sign_compact`], [`sign_segments`]
//! and [`decode_unverified`] are deliberately low level: they sign whatever header and claims
//! they are given, so a conformance runner can craft every attack of the DPoP catalogue.

use std::fmt;

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde::{Deserialize, Serialize};

use super::b64;
use super::jwk::EcPublicJwk;

/// A PEM that is not an unencrypted P-256 private key in PKCS#8 or SEC1 form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a P-256 private key in PKCS#8 (\"PRIVATE KEY\") or SEC1 (\"EC PRIVATE KEY\") PEM: {reason}")]
pub struct KeyError {
    reason: String,
}

/// A compact proof that cannot be split and decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofDecodeError {
    /// Not exactly three dot-separated segments.
    #[error("a compact JWS has 3 dot-separated segments, found {0}")]
    Segments(usize),
    /// A segment is not strict unpadded base64url.
    #[error("{segment} segment: {source}")]
    Base64 {
        /// `header`, `payload` or `signature`.
        segment: &'static str,
        /// The decoding failure.
        source: b64::B64Error,
    },
    /// The header or payload is not a JSON object.
    #[error("{segment} segment is not a JSON object: {reason}")]
    Json {
        /// `header` or `payload`.
        segment: &'static str,
        /// What the JSON parser said.
        reason: String,
    },
}

/// A P-256 signing key for DPoP proofs.
///
/// `Debug` shows only the public thumbprint; the secret never leaves this type except
/// through [`DpopKey::to_pkcs8_pem`], which a caller must ask for explicitly.
#[derive(Clone)]
pub struct DpopKey {
    signing: SigningKey,
    jwk: EcPublicJwk,
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopKey")
            .field("thumbprint", &self.thumbprint())
            .finish_non_exhaustive()
    }
}

impl DpopKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        Self::from_signing_key(SigningKey::random(&mut rand::rngs::OsRng))
    }

    /// Wrap an existing P-256 signing key.
    pub fn from_signing_key(signing: SigningKey) -> Self {
        let jwk = EcPublicJwk::from_verifying_key(signing.verifying_key());
        Self { signing, jwk }
    }

    /// Load a key from PEM: PKCS#8 (`PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`). Other curves,
    /// RSA, encrypted PEM and anything else are rejected.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let pkcs8 = SigningKey::from_pkcs8_pem(pem);
        let signing = match pkcs8 {
            Ok(key) => key,
            Err(pkcs8_err) => p256::SecretKey::from_sec1_pem(pem)
                .map(SigningKey::from)
                .map_err(|sec1_err| KeyError {
                    reason: format!("PKCS#8: {pkcs8_err}; SEC1: {sec1_err}"),
                })?,
        };
        Ok(Self::from_signing_key(signing))
    }

    /// The private key as PKCS#8 PEM. This exports the secret: keep the result out of logs.
    pub fn to_pkcs8_pem(&self) -> String {
        self.signing
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            // Encoding a valid P-256 key to PKCS#8 cannot fail.
            .unwrap_or_default()
    }

    /// The public key as the protocol's four-member JWK.
    pub fn public_jwk(&self) -> EcPublicJwk {
        self.jwk.clone()
    }

    /// RFC 7638 thumbprint of the public key (the lease's `cnf.jkt`, the operator `dpop_jkt`).
    pub fn thumbprint(&self) -> String {
        self.jwk.thumbprint()
    }

    /// The public verifying key.
    pub fn verifying_key(&self) -> VerifyingKey {
        *self.signing.verifying_key()
    }
}

/// The claims of a standard proof, serialised in the order `jti, htm, htu, iat, ath`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofClaims {
    /// Unique proof id; fresh for every request (see [`fresh_jti`]).
    pub jti: String,
    /// Upper-case HTTP method.
    pub htm: String,
    /// Normalised target URL without query (see [`crate::crypto::htu`]).
    pub htu: String,
    /// Issue time, integer Unix seconds.
    pub iat: i64,
    /// `ath` of the access token (see [`crate::crypto::ath`]).
    pub ath: String,
}

#[derive(Serialize)]
struct StandardHeader<'a> {
    typ: &'static str,
    alg: &'static str,
    jwk: &'a EcPublicJwk,
}

/// A fresh random `jti` (UUID v4, 122 random bits from the OS CSPRNG).
pub fn fresh_jti() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The standard proof header `{"typ":"dpop+jwt","alg":"ES256","jwk":{…}}` as a JSON value
/// (a starting point for crafting variants with [`sign_compact`]).
pub fn standard_header(key: &DpopKey) -> serde_json::Value {
    serde_json::json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.jwk})
}

/// Build and sign the standard proof for `claims`, header and claims in protocol order.
///
/// ```
/// use latchgate::crypto::dpop::{build_proof, decode_unverified, DpopKey, ProofClaims};
/// let key = DpopKey::generate();
/// let claims = ProofClaims {
///     jti: "j-1".into(), htm: "GET".into(), htu: "http://localhost:3000/v1/receipts/r".into(),
///     iat: 1_700_000_000, ath: latchgate::crypto::ath("token"),
/// };
/// let proof = build_proof(&key, &claims);
/// let (header, payload) = decode_unverified(&proof).unwrap();
/// assert_eq!(header["typ"], "dpop+jwt");
/// assert_eq!(payload["iat"], 1_700_000_000);
/// ```
pub fn build_proof(key: &DpopKey, claims: &ProofClaims) -> String {
    let header = StandardHeader {
        typ: "dpop+jwt",
        alg: "ES256",
        jwk: &key.jwk,
    };
    sign_serializable(key, &header, claims)
}

/// Sign arbitrary header and claims: each is serialised compactly (`serde_json::to_vec`),
/// base64url-encoded, and the pair is ES256-signed with a raw `r‖s` signature.
pub fn sign_compact(
    key: &DpopKey,
    header: &serde_json::Value,
    claims: &serde_json::Value,
) -> String {
    sign_serializable(key, header, claims)
}

fn sign_serializable<H: Serialize, C: Serialize>(key: &DpopKey, header: &H, claims: &C) -> String {
    // Serialising plain structs and JSON values to a Vec cannot fail.
    let header_b64 = b64::encode(&serde_json::to_vec(header).unwrap_or_default());
    let payload_b64 = b64::encode(&serde_json::to_vec(claims).unwrap_or_default());
    let signature = sign_segments(key, &header_b64, &payload_b64);
    format!("{header_b64}.{payload_b64}.{signature}")
}

/// ES256 signature (raw `r‖s`, base64url, 86 characters) over ASCII `header_b64.payload_b64`;
/// the segments are used exactly as given, so they may be tampered with beforehand.
pub fn sign_segments(key: &DpopKey, header_b64: &str, payload_b64: &str) -> String {
    let signature: Signature = key
        .signing
        .sign(format!("{header_b64}.{payload_b64}").as_bytes());
    b64::encode(&signature.to_bytes())
}

/// Check a raw `r‖s` ES256 signature over ASCII `header_b64.payload_b64`.
pub fn verify_segments(
    key: &VerifyingKey,
    header_b64: &str,
    payload_b64: &str,
    signature_b64: &str,
) -> bool {
    let Ok(raw) = b64::decode(signature_b64) else {
        return false;
    };
    let Ok(signature) = Signature::from_slice(&raw) else {
        return false;
    };
    key.verify(format!("{header_b64}.{payload_b64}").as_bytes(), &signature)
        .is_ok()
}

/// Check a whole compact proof's signature against `key`.
pub fn verify_proof_signature(key: &VerifyingKey, proof: &str) -> bool {
    match proof.split('.').collect::<Vec<_>>().as_slice() {
        [header, payload, signature] => verify_segments(key, header, payload, signature),
        _ => false,
    }
}

/// Split a compact proof and decode its header and claims as JSON objects, without
/// checking the signature (for journals, diagnostics and tests).
pub fn decode_unverified(
    proof: &str,
) -> Result<(serde_json::Value, serde_json::Value), ProofDecodeError> {
    let segments: Vec<&str> = proof.split('.').collect();
    let [header, payload, signature] = segments.as_slice() else {
        return Err(ProofDecodeError::Segments(segments.len()));
    };
    b64::decode(signature).map_err(|source| ProofDecodeError::Base64 {
        segment: "signature",
        source,
    })?;
    Ok((
        decode_object("header", header)?,
        decode_object("payload", payload)?,
    ))
}

fn decode_object(segment: &'static str, text: &str) -> Result<serde_json::Value, ProofDecodeError> {
    let bytes = b64::decode(text).map_err(|source| ProofDecodeError::Base64 { segment, source })?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| ProofDecodeError::Json {
            segment,
            reason: e.to_string(),
        })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ProofDecodeError::Json {
            segment,
            reason: "not an object".to_owned(),
        })
    }
}
