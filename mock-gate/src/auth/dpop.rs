//! DPoP proof verification with the gate's check order and reject reasons.

use std::collections::VecDeque;
use std::sync::Mutex;

use p256::ecdsa::VerifyingKey;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
use serde::Deserialize;

use crate::body::sanitize;
use crate::control::mutants::{Lax, Mutant, Switches};
use crate::crypto::{ath, b64_decode, ct_eq, normalize_htu, thumbprint};

/// Oldest accepted `iat` relative to now.
pub const IAT_MAX_AGE_SECS: i64 = 60;
/// Furthest accepted future `iat` relative to now.
pub const IAT_CLOCK_SKEW_SECS: i64 = 5;
const REASON_MAX_BYTES: usize = 200;
const KEY_CACHE_CAPACITY: usize = 256;

/// Category of a refused proof (the gate's `DpopRejectKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectKind {
    /// Structure or JSON.
    Malformed,
    /// `typ`, `alg`, `jwk`.
    BadHeader,
    /// Coordinates, curve point, key binding.
    BadKey,
    /// Signature.
    BadSig,
    /// Method.
    BadHtm,
    /// URL.
    BadHtu,
    /// Freshness.
    BadIat,
    /// Token hash.
    BadAth,
}

/// A refused proof: kind and the sanitized reason (≤ 200 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Category.
    pub kind: RejectKind,
    /// Reason text as the gate words it.
    pub reason: String,
}

fn reject(kind: RejectKind, reason: impl Into<String>) -> Reject {
    Reject {
        kind,
        reason: sanitize(&reason.into(), REASON_MAX_BYTES),
    }
}

/// Verified proof claims (same field order as the gate's struct, so serde errors match).
#[derive(Debug, Clone, Deserialize)]
pub struct ProofClaims {
    /// Unique id.
    pub jti: String,
    /// Method.
    pub htm: String,
    /// URL.
    pub htu: String,
    /// Issued at.
    pub iat: i64,
    /// Token hash.
    pub ath: String,
}

/// What a proof must match.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// Method (compared uppercase).
    pub htm: &'a str,
    /// Full URL from the public base.
    pub htu: &'a str,
    /// Token whose hash `ath` must be.
    pub token: &'a str,
    /// Thumbprint the proof key must have.
    pub jkt: &'a str,
}

/// The gate's per-`jkt` key cache, used only with [`Lax::DpopKeyCache`].
#[derive(Debug, Default)]
pub struct KeyCache {
    entries: Mutex<VecDeque<(String, VerifyingKey)>>,
}

impl KeyCache {
    fn get(&self, jkt: &str) -> Option<VerifyingKey> {
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.iter().find(|(k, _)| k == jkt).map(|(_, v)| *v)
    }

    fn insert(&self, jkt: &str, key: VerifyingKey) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.iter().any(|(k, _)| k == jkt) {
            return;
        }
        if map.len() >= KEY_CACHE_CAPACITY {
            map.pop_front();
        }
        map.push_back((jkt.to_string(), key));
    }

    /// Forgets every key.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// Verifies `proof` at virtual time `now` (s). Order: segments, header/key, signature,
/// claims, htm, htu, iat, ath — first failure wins.
pub fn verify_proof(
    proof: &str,
    expected: Expected<'_>,
    now: i64,
    sw: &Switches,
    cache: &KeyCache,
) -> Result<ProofClaims, Reject> {
    let parts: Vec<&str> = proof.splitn(3, '.').collect();
    if parts.len() != 3 {
        return Err(reject(
            RejectKind::Malformed,
            "malformed JWT: expected exactly 3 dot-separated segments",
        ));
    }
    let (header_b64, payload_b64, sig_b64) = (parts[0], parts[1], parts[2]);
    check_key_and_signature(header_b64, payload_b64, sig_b64, expected.jkt, sw, cache)?;
    let claims = decode_claims(payload_b64)?;

    let want_htm = expected.htm.to_ascii_uppercase();
    if claims.htm != want_htm && !sw.has(Mutant::SkipHtm) {
        return Err(reject(
            RejectKind::BadHtm,
            format!("htm mismatch: expected '{want_htm}', got '{}'", claims.htm),
        ));
    }
    if !sw.has(Mutant::SkipHtu) {
        check_htu(expected.htu, &claims.htu)?;
    }
    if !sw.has(Mutant::SkipIatWindow) {
        check_iat(claims.iat, now)?;
    }
    if !sw.has(Mutant::SkipAth) && !ct_eq(claims.ath.as_bytes(), ath(expected.token).as_bytes()) {
        return Err(reject(
            RejectKind::BadAth,
            "ath does not match SHA-256 of the presented access token",
        ));
    }
    Ok(claims)
}

/// The header's key (from the cache under [`Lax::DpopKeyCache`]) and the signature over the
/// first two segments.
fn check_key_and_signature(
    header_b64: &str,
    payload_b64: &str,
    sig_b64: &str,
    jkt: &str,
    sw: &Switches,
    cache: &KeyCache,
) -> Result<(), Reject> {
    let cached = if sw.lax(Lax::DpopKeyCache) {
        cache.get(jkt)
    } else {
        None
    };
    let key = match cached {
        Some(k) => Some(k),
        None => bound_key(header_b64, jkt, sw)?,
    };
    let sig = b64_decode(sig_b64).ok_or_else(|| {
        reject(
            RejectKind::BadSig,
            "invalid base64url encoding in JWT signature",
        )
    })?;
    if !sw.has(Mutant::SkipSignatureCheck) {
        let key = key.ok_or_else(|| reject(RejectKind::BadSig, "signature verification failed"))?;
        verify_signature(&key, header_b64, payload_b64, &sig)?;
        if cached.is_none() && sw.lax(Lax::DpopKeyCache) {
            cache.insert(jkt, key);
        }
    }
    Ok(())
}

fn decode_claims(payload_b64: &str) -> Result<ProofClaims, Reject> {
    let payload = b64_decode(payload_b64).ok_or_else(|| {
        reject(
            RejectKind::Malformed,
            "invalid base64url encoding in JWT payload",
        )
    })?;
    serde_json::from_slice(&payload).map_err(|e| {
        reject(
            RejectKind::Malformed,
            format!("payload claims invalid or missing required fields: {e}"),
        )
    })
}

fn check_htu(expected: &str, got: &str) -> Result<(), Reject> {
    let bad_htu = |m: String| reject(RejectKind::BadHtu, m);
    let want = normalize_htu(expected)
        .map_err(|e| bad_htu(format!("expected_htu normalisation failed: {e}")))?;
    let got =
        normalize_htu(got).map_err(|e| bad_htu(format!("proof htu normalisation failed: {e}")))?;
    if got != want {
        return Err(bad_htu(format!(
            "htu mismatch: expected '{want}', got '{got}'"
        )));
    }
    Ok(())
}

fn check_iat(iat: i64, now: i64) -> Result<(), Reject> {
    if (iat as i128) < (now as i128) - IAT_MAX_AGE_SECS as i128 {
        return Err(reject(
            RejectKind::BadIat,
            format!("iat too old: {iat} (now={now}, max_age={IAT_MAX_AGE_SECS}s)"),
        ));
    }
    if (iat as i128) > (now as i128) + IAT_CLOCK_SKEW_SECS as i128 {
        return Err(reject(
            RejectKind::BadIat,
            format!(
                "iat too far in future: {iat} (now={now}, allowed_skew={IAT_CLOCK_SKEW_SECS}s)"
            ),
        ));
    }
    Ok(())
}

/// Parses the header and returns the key bound to `jkt` (None only under SkipSignatureCheck
/// when the key cannot be built).
fn bound_key(header_b64: &str, jkt: &str, sw: &Switches) -> Result<Option<VerifyingKey>, Reject> {
    let bytes = b64_decode(header_b64).ok_or_else(|| {
        reject(
            RejectKind::Malformed,
            "invalid base64url encoding in JWT header",
        )
    })?;
    let header: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| reject(RejectKind::Malformed, "JWT header is not valid JSON"))?;
    if !sw.has(Mutant::SkipTypCheck) {
        header_member_is(&header, "typ", "dpop+jwt", "typ")?;
    }
    header_member_is(&header, "alg", "ES256", "alg")?;
    let jwk = header.get("jwk").ok_or_else(|| {
        reject(
            RejectKind::BadHeader,
            "'jwk' header claim is required in DPoP proofs",
        )
    })?;
    let (x, y) = public_coordinates(jwk, sw)?;
    let key = p256_key(x, y, sw)?;
    if !sw.has(Mutant::SkipCnfBinding) && !ct_eq(thumbprint(x, y).as_bytes(), jkt.as_bytes()) {
        return Err(reject(
            RejectKind::BadKey,
            "DPoP key thumbprint does not match lease cnf.jkt (key binding failure)",
        ));
    }
    Ok(key)
}

/// `{what} must be '{want}', got …` unless `object[member]` is the string `want`.
fn header_member_is(
    object: &serde_json::Value,
    member: &str,
    want: &str,
    what: &str,
) -> Result<(), Reject> {
    let got = object.get(member).and_then(|v| v.as_str());
    if got != Some(want) {
        return Err(reject(
            RejectKind::BadHeader,
            format!("{what} must be '{want}', got {got:?}"),
        ));
    }
    Ok(())
}

/// `x` and `y` of a public EC P-256 JWK.
fn public_coordinates<'a>(
    jwk: &'a serde_json::Value,
    sw: &Switches,
) -> Result<(&'a str, &'a str), Reject> {
    header_member_is(jwk, "kty", "EC", "jwk.kty")?;
    header_member_is(jwk, "crv", "P-256", "jwk.crv")?;
    let x = jwk
        .get("x")
        .and_then(|v| v.as_str())
        .ok_or_else(|| reject(RejectKind::BadHeader, "jwk.x is required"))?;
    let y = jwk
        .get("y")
        .and_then(|v| v.as_str())
        .ok_or_else(|| reject(RejectKind::BadHeader, "jwk.y is required"))?;
    if jwk.get("d").is_some() && !sw.lax(Lax::PrivateJwkMembers) {
        return Err(reject(
            RejectKind::BadHeader,
            "jwk must not contain private key members ('d')",
        ));
    }
    Ok((x, y))
}

/// The key at (`x`, `y`); `None` for a point off the curve under SkipSignatureCheck.
fn p256_key(x: &str, y: &str, sw: &Switches) -> Result<Option<VerifyingKey>, Reject> {
    let xb =
        b64_decode(x).ok_or_else(|| reject(RejectKind::BadHeader, "invalid base64url in jwk.x"))?;
    let yb =
        b64_decode(y).ok_or_else(|| reject(RejectKind::BadHeader, "invalid base64url in jwk.y"))?;
    if xb.len() != 32 || yb.len() != 32 {
        return Err(reject(
            RejectKind::BadKey,
            "P-256 coordinates must be exactly 32 bytes each",
        ));
    }
    let mut sec1 = Vec::with_capacity(65);
    sec1.push(0x04);
    sec1.extend_from_slice(&xb);
    sec1.extend_from_slice(&yb);
    match VerifyingKey::from_sec1_bytes(&sec1) {
        Ok(k) => Ok(Some(k)),
        Err(_) if sw.has(Mutant::SkipSignatureCheck) => Ok(None),
        Err(_) => Err(reject(
            RejectKind::BadKey,
            "invalid P-256 public key (point not on curve)",
        )),
    }
}

fn verify_signature(
    key: &VerifyingKey,
    header_b64: &str,
    payload_b64: &str,
    sig: &[u8],
) -> Result<(), Reject> {
    if sig.len() != 64 {
        return Err(reject(
            RejectKind::BadSig,
            "signature is not a valid ES256 (P-256) signature (expected 64 bytes)",
        ));
    }
    // ring's P-256 verification (r and s in 1..n, point on the curve, as p256's) costs a third
    // of p256's pure-Rust arithmetic: the one ES256 check every call must make.
    let failed = || reject(RejectKind::BadSig, "signature verification failed");
    let point = key.to_encoded_point(false);
    let input = format!("{header_b64}.{payload_b64}");
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point.as_bytes())
        .verify(input.as_bytes(), sig)
        .map_err(|_| failed())
}
