//! Lease issuance and verification: ES256 JWTs (jsonwebtoken), `kid`, the gate's claims,
//! the JWKS document. A fresh signing key per gate instance, as the real gate per start.

pub mod cache;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub use crate::auth::lease::cache::VerifiedLeases;

/// Issuer and audience of every lease.
pub const ISSUER: &str = "latchgate";

/// Hard ceiling on lease TTLs.
pub const MAX_LEASE_TTL_SECS: u64 = 3600;

/// `budgets` of a lease request/claim (unknown members are dropped, as the gate does).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Budgets {
    /// Number of calls; absent or null means "unlimited", stored as -1 (exhausted at birth).
    pub max_calls: Option<u64>,
}

/// `cnf` claim.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Cnf {
    /// RFC 7638 thumbprint of the DPoP key.
    pub jkt: String,
}

/// Lease claims in the gate's serialization order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LeaseClaims {
    /// Always `latchgate`.
    pub iss: String,
    /// Principal.
    pub sub: String,
    /// Always `latchgate` (a string, not an array).
    pub aud: String,
    /// Expiry (s).
    pub exp: u64,
    /// Not before (= iat).
    pub nbf: u64,
    /// Issued at (s).
    pub iat: u64,
    /// Lease id (UUIDv7).
    pub jti: String,
    /// Session id (UUIDv7).
    pub session_id: String,
    /// Scopes (array).
    pub scope: Vec<String>,
    /// Present when the request had `budgets`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub budgets: Option<Budgets>,
    /// Key binding.
    pub cnf: Cnf,
    /// Owner from the identity mapping.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub owner: Option<String>,
}

/// Why a lease was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseError {
    /// `exp` is in the past → `lease_expired`.
    Expired,
    /// Anything else → `invalid_lease`.
    Invalid(String),
}

/// One JWKS entry, fields in the gate's order.
#[derive(Debug, Clone, Serialize)]
pub struct JwkEntry {
    kty: &'static str,
    crv: &'static str,
    kid: String,
    #[serde(rename = "use")]
    use_: &'static str,
    alg: &'static str,
    x: String,
    y: String,
}

/// `GET /.well-known/jwks.json` body.
#[derive(Debug, Clone, Serialize)]
pub struct Jwks {
    keys: Vec<JwkEntry>,
}

/// Signs and verifies leases.
pub struct LeaseIssuer {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwks: Jwks,
    verified: VerifiedLeases,
}

impl std::fmt::Debug for LeaseIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaseIssuer")
            .field("kid", &self.kid)
            .finish()
    }
}

impl LeaseIssuer {
    /// A fresh P-256 key; `kid` = first 16 hex of SHA-256(SPKI DER); remembers the claims of
    /// up to `cache_capacity` verified tokens.
    pub fn generate(cache_capacity: usize) -> Result<Self, String> {
        let sk = SigningKey::random(&mut rand::rngs::OsRng);
        let pk = p256::PublicKey::from(sk.verifying_key());
        let private_pem = sk.to_pkcs8_pem(LineEnding::LF).map_err(|e| e.to_string())?;
        let public_pem = pk
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?;
        let der = pk.to_public_key_der().map_err(|e| e.to_string())?;
        let kid = hex::encode(&Sha256::digest(der.as_bytes())[..8]);
        let point = sk.verifying_key().to_encoded_point(false);
        let x = crate::crypto::b64(point.x().ok_or("missing x")?);
        let y = crate::crypto::b64(point.y().ok_or("missing y")?);
        let encoding =
            EncodingKey::from_ec_pem(private_pem.as_bytes()).map_err(|e| e.to_string())?;
        let decoding =
            DecodingKey::from_ec_pem(public_pem.as_bytes()).map_err(|e| e.to_string())?;
        Ok(Self {
            jwks: Jwks {
                keys: vec![JwkEntry {
                    kty: "EC",
                    crv: "P-256",
                    kid: kid.clone(),
                    use_: "sig",
                    alg: "ES256",
                    x,
                    y,
                }],
            },
            kid,
            encoding,
            decoding,
            verified: VerifiedLeases::new(cache_capacity),
        })
    }

    /// The JWKS document.
    pub fn jwks(&self) -> &Jwks {
        &self.jwks
    }

    /// Signs claims with header `{"typ":"JWT","alg":"ES256","kid":…}`.
    pub fn sign(&self, claims: &LeaseClaims) -> Result<String, String> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// Verifies a lease at virtual time `now` (leeway 0): signature and kid, required claims,
    /// `exp` (→ [`LeaseError::Expired`] unless `accept_expired`), `nbf`, `iss`, `aud`, shape.
    /// The signature and everything else the token bytes decide are checked once per token
    /// (then cached, see [`VerifiedLeases`]); `exp` and `nbf` on every call.
    pub fn verify(
        &self,
        token: &str,
        now: i64,
        accept_expired: bool,
        skip_signature: bool,
    ) -> Result<Arc<LeaseClaims>, LeaseError> {
        if !skip_signature {
            if let Some(claims) = self.verified.get(token) {
                check_times(Some(claims.exp), Some(claims.nbf), now, accept_expired)?;
                return Ok(claims);
            }
        }
        let claims = Arc::new(self.verify_token(token, now, accept_expired, skip_signature)?);
        if !skip_signature {
            self.verified.insert(token, Arc::clone(&claims));
        }
        Ok(claims)
    }

    fn verify_token(
        &self,
        token: &str,
        now: i64,
        accept_expired: bool,
        skip_signature: bool,
    ) -> Result<LeaseClaims, LeaseError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| LeaseError::Invalid(e.to_string()))?;
        let kid = header
            .kid
            .as_deref()
            .ok_or_else(|| LeaseError::Invalid("missing kid in header".into()))?;
        if kid != self.kid && !skip_signature {
            return Err(LeaseError::Invalid(format!("unknown kid: {kid}")));
        }
        let mut validation = Validation::new(Algorithm::ES256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        validation.leeway = 0;
        if skip_signature {
            validation.insecure_disable_signature_validation();
        }
        let data = jsonwebtoken::decode::<serde_json::Value>(token, &self.decoding, &validation)
            .map_err(|e| LeaseError::Invalid(e.to_string()))?;
        let claims = data.claims;
        for name in ["exp", "nbf", "iat", "iss", "sub", "aud", "jti"] {
            if claims.get(name).is_none() {
                return Err(LeaseError::Invalid(format!(
                    "Missing required claim: {name}"
                )));
            }
        }
        check_times(
            claims["exp"].as_u64(),
            claims["nbf"].as_u64(),
            now,
            accept_expired,
        )?;
        if claims["iss"] != ISSUER || claims["aud"] != ISSUER {
            return Err(LeaseError::Invalid("InvalidIssuer/InvalidAudience".into()));
        }
        serde_json::from_value(claims).map_err(|e| LeaseError::Invalid(e.to_string()))
    }
}

/// `exp` (unless `accept_expired`), then `nbf`, at `now`, leeway 0.
fn check_times(
    exp: Option<u64>,
    nbf: Option<u64>,
    now: i64,
    accept_expired: bool,
) -> Result<(), LeaseError> {
    if !accept_expired && exp.is_some_and(|e| (e as i128) < now as i128) {
        return Err(LeaseError::Expired);
    }
    if nbf.is_some_and(|n| (n as i128) > now as i128) {
        return Err(LeaseError::Invalid("lease not yet valid (nbf)".into()));
    }
    Ok(())
}

/// `expires_at` of the lease response: `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_expires_at(secs: u64) -> String {
    chrono::DateTime::from_timestamp(secs.min(i64::MAX as u64) as i64, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(now: u64, ttl: u64) -> LeaseClaims {
        LeaseClaims {
            iss: ISSUER.into(),
            sub: "dev:anonymous".into(),
            aud: ISSUER.into(),
            exp: now + ttl,
            nbf: now,
            iat: now,
            jti: "j".into(),
            session_id: "s".into(),
            scope: vec!["tools:call".into()],
            budgets: None,
            cnf: Cnf { jkt: "k".into() },
            owner: None,
        }
    }

    #[test]
    fn lease_is_valid_until_exp_and_expired_after() {
        let issuer = LeaseIssuer::generate(16).unwrap();
        let token = issuer.sign(&claims(1_000, 300)).unwrap();
        assert!(issuer.verify(&token, 1_300, false, false).is_ok());
        assert_eq!(
            issuer.verify(&token, 1_301, false, false),
            Err(LeaseError::Expired)
        );
    }

    #[test]
    fn lease_signed_by_another_gate_is_invalid() {
        let a = LeaseIssuer::generate(16).unwrap();
        let b = LeaseIssuer::generate(16).unwrap();
        let token = a.sign(&claims(1_000, 300)).unwrap();
        assert!(matches!(
            b.verify(&token, 1_000, false, false),
            Err(LeaseError::Invalid(_))
        ));
    }

    #[test]
    fn expired_lease_is_refused_on_a_cache_hit() {
        let issuer = LeaseIssuer::generate(16).unwrap();
        let token = issuer.sign(&claims(1_000, 300)).unwrap();
        assert!(issuer.verify(&token, 1_000, false, false).is_ok());
        assert_eq!(issuer.verified.len(), 1, "verified token not cached");
        assert_eq!(
            issuer.verify(&token, 1_301, false, false),
            Err(LeaseError::Expired),
            "cached lease accepted after exp"
        );
    }

    #[test]
    fn not_yet_valid_lease_is_refused_on_a_cache_hit() {
        let issuer = LeaseIssuer::generate(16).unwrap();
        let token = issuer.sign(&claims(1_000, 300)).unwrap();
        assert!(issuer.verify(&token, 1_000, false, false).is_ok());
        assert!(matches!(
            issuer.verify(&token, 999, false, false),
            Err(LeaseError::Invalid(r)) if r.contains("nbf")
        ));
    }

    #[test]
    fn tampered_token_never_hits_the_cache() {
        let issuer = LeaseIssuer::generate(16).unwrap();
        let token = issuer.sign(&claims(1_000, 300)).unwrap();
        assert!(issuer.verify(&token, 1_000, false, false).is_ok());
        let (head, sig) = token.rsplit_once('.').unwrap();
        let flipped = if sig.starts_with('A') { "B" } else { "A" };
        let bad_sig = format!("{head}.{flipped}{}", &sig[1..]);
        let mut c = claims(1_000, 300);
        c.sub = "someone-else".into();
        let other = issuer.sign(&c).unwrap();
        let (_, other_payload_sig) = other.split_once('.').unwrap();
        let (other_payload, _) = other_payload_sig.split_once('.').unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let bad_payload = format!("{}.{other_payload}.{}", parts[0], parts[2]);
        for bad in [bad_sig, bad_payload] {
            assert!(
                matches!(
                    issuer.verify(&bad, 1_000, false, false),
                    Err(LeaseError::Invalid(_))
                ),
                "tampered token {bad} accepted"
            );
        }
        assert_eq!(issuer.verified.len(), 1, "a refused token was cached");
    }

    #[test]
    fn expires_at_has_whole_seconds_and_z() {
        assert_eq!(format_expires_at(0), "1970-01-01T00:00:00Z");
    }
}
