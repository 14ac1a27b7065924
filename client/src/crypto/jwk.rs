//! The public P-256 JWK of a DPoP key and its RFC 7638 thumbprint (C-KEY-02).

use p256::ecdsa::VerifyingKey;
use p256::EncodedPoint;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::b64;

/// A JWK that cannot be turned into a P-256 public key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid P-256 JWK: {reason}")]
pub struct JwkError {
    reason: String,
}

impl JwkError {
    fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

/// A P-256 public key as the protocol sends it: exactly `{"kty","crv","x","y"}`, in this
/// order, `x`/`y` the unpadded base64url of the 32-byte big-endian coordinates.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EcPublicJwk {
    /// Key type, `"EC"`.
    pub kty: String,
    /// Curve, `"P-256"`.
    pub crv: String,
    /// x coordinate, 43 base64url characters.
    pub x: String,
    /// y coordinate, 43 base64url characters.
    pub y: String,
}

impl EcPublicJwk {
    /// The JWK of a P-256 verifying key; leading zero bytes of the coordinates are kept.
    pub fn from_verifying_key(key: &VerifyingKey) -> Self {
        let point = key.to_encoded_point(false);
        // An uncompressed encoding of a valid public key always has both coordinates.
        let x = point.x().map(|x| b64::encode(x)).unwrap_or_default();
        let y = point.y().map(|y| b64::encode(y)).unwrap_or_default();
        Self {
            kty: "EC".to_owned(),
            crv: "P-256".to_owned(),
            x,
            y,
        }
    }

    /// The P-256 key this JWK describes: `kty` `EC`, `crv` `P-256`, coordinates of exactly
    /// 32 bytes in strict base64url, and a point on the curve.
    pub fn to_verifying_key(&self) -> Result<VerifyingKey, JwkError> {
        if self.kty != "EC" {
            return Err(JwkError::new(format!(
                "kty must be \"EC\", got {:?}",
                self.kty
            )));
        }
        if self.crv != "P-256" {
            return Err(JwkError::new(format!(
                "crv must be \"P-256\", got {:?}",
                self.crv
            )));
        }
        let x = coordinate("x", &self.x)?;
        let y = coordinate("y", &self.y)?;
        let point = EncodedPoint::from_affine_coordinates(&x.into(), &y.into(), false);
        VerifyingKey::from_encoded_point(&point)
            .map_err(|_| JwkError::new("the coordinates are not a point on P-256"))
    }

    /// RFC 7638 thumbprint: unpadded base64url of SHA-256 over the JCS form of
    /// `{"crv","kty","x","y"}`, using the member strings exactly as they are here.
    pub fn thumbprint(&self) -> String {
        let required = serde_json::json!({
            "crv": self.crv, "kty": self.kty, "x": self.x, "y": self.y,
        });
        // Four string members always canonicalise; the fallback is never taken.
        let canonical = super::jcs::canonicalize(&required).unwrap_or_default();
        b64::encode(&Sha256::digest(canonical.as_bytes()))
    }
}

fn coordinate(name: &str, value: &str) -> Result<[u8; 32], JwkError> {
    let bytes = b64::decode(value).map_err(|e| JwkError::new(format!("{name}: {e}")))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| JwkError::new(format!("{name} must be 32 bytes, got {}", b.len())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::SigningKey;

    #[test]
    fn jwk_round_trips_through_verifying_key() {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let jwk = EcPublicJwk::from_verifying_key(key.verifying_key());
        assert_eq!((jwk.x.len(), jwk.y.len()), (43, 43));
        assert_eq!(&jwk.to_verifying_key().unwrap(), key.verifying_key());
    }

    #[test]
    fn serializes_exactly_four_members_in_protocol_order() {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let jwk = EcPublicJwk::from_verifying_key(key.verifying_key());
        let text = serde_json::to_string(&jwk).unwrap();
        let expected = format!(
            r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}"}}"#,
            jwk.x, jwk.y
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn rejects_short_coordinates_and_points_off_the_curve() {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let good = EcPublicJwk::from_verifying_key(key.verifying_key());
        let short = EcPublicJwk {
            x: b64::encode(&[1u8; 31]),
            ..good.clone()
        };
        assert!(short.to_verifying_key().is_err());
        let off_curve = EcPublicJwk {
            y: b64::encode(&[7u8; 32]),
            ..good.clone()
        };
        assert!(off_curve.to_verifying_key().is_err());
        let wrong_crv = EcPublicJwk {
            crv: "P-384".into(),
            ..good
        };
        assert!(wrong_crv.to_verifying_key().is_err());
    }
}
