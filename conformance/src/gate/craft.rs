//! Crafting DPoP proofs that are wrong in exactly one way: a proof is kept as JSON header and
//! claims plus a signing mode, so a mutation can change one part and the rest stays valid.

use latchgate::crypto::b64;
use latchgate::crypto::dpop::{self, DpopKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// How the signature segment is produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigMode {
    /// ES256 raw r‖s by the proof's key.
    Normal,
    /// No signature bytes (empty third segment).
    Empty,
    /// A valid signature with one bit flipped.
    Flipped,
    /// Signed by another key than the one in the header.
    Foreign,
    /// DER-encoded ECDSA signature instead of raw r‖s.
    Der,
    /// HMAC-SHA256 keyed with the header's JWK JSON (key-confusion attack).
    Hs256,
}

/// A proof under construction.
#[derive(Clone, Debug)]
pub struct Proof {
    /// Header object.
    pub header: Value,
    /// Claims object.
    pub claims: Value,
    /// Signature mode.
    pub sig: SigMode,
    /// Drop the signature segment entirely (two segments).
    pub two_segments: bool,
    /// Change the payload segment after signing.
    pub tamper_payload: bool,
    /// A literal replacing the whole proof.
    pub literal: Option<String>,
}

impl Proof {
    /// The standard proof for `key`: header `{typ, alg, jwk}` and claims `{jti, htm, htu, iat, ath}`.
    pub fn standard(key: &DpopKey, htm: &str, htu: &str, iat: i64, token: &str) -> Self {
        let claims = serde_json::json!({
            "jti": dpop::fresh_jti(),
            "htm": htm,
            "htu": htu,
            "iat": iat,
            "ath": latchgate::crypto::ath(token),
        });
        Proof {
            header: dpop::standard_header(key),
            claims,
            sig: SigMode::Normal,
            two_segments: false,
            tamper_payload: false,
            literal: None,
        }
    }

    /// The compact form. `signer` signs normally; `foreign` is used for [`SigMode::Foreign`].
    pub fn compact(&self, signer: &DpopKey, foreign: &DpopKey) -> String {
        if let Some(l) = &self.literal {
            return l.clone();
        }
        let h = b64::encode(&serde_json::to_vec(&self.header).expect("json"));
        let p = b64::encode(&serde_json::to_vec(&self.claims).expect("json"));
        let sig = match self.sig {
            SigMode::Normal => dpop::sign_segments(signer, &h, &p),
            SigMode::Empty => String::new(),
            SigMode::Foreign => dpop::sign_segments(foreign, &h, &p),
            SigMode::Flipped => {
                let mut raw = b64::decode(&dpop::sign_segments(signer, &h, &p))
                    .expect("own signature decodes");
                raw[10] ^= 0x01;
                b64::encode(&raw)
            }
            SigMode::Der => {
                let raw = b64::decode(&dpop::sign_segments(signer, &h, &p))
                    .expect("own signature decodes");
                let sig = p256::ecdsa::Signature::from_slice(&raw).expect("64-byte signature");
                b64::encode(sig.to_der().as_bytes())
            }
            SigMode::Hs256 => {
                let secret = serde_json::to_vec(&self.header["jwk"]).unwrap_or_default();
                b64::encode(&hmac_sha256(&secret, format!("{h}.{p}").as_bytes()))
            }
        };
        let p = if self.tamper_payload {
            let mut claims = self.claims.clone();
            claims["jti"] = Value::String(format!("{}x", claims["jti"].as_str().unwrap_or("")));
            b64::encode(&serde_json::to_vec(&claims).expect("json"))
        } else {
            p
        };
        if self.two_segments {
            format!("{h}.{p}")
        } else {
            format!("{h}.{p}.{sig}")
        }
    }
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut k = if key.len() > 64 {
        Sha256::digest(key).to_vec()
    } else {
        key.to_vec()
    };
    k.resize(64, 0);
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::digest([ipad.as_slice(), msg].concat());
    Sha256::digest([opad.as_slice(), &inner[..]].concat()).to_vec()
}

/// The private scalar of a key as base64url (for the private-JWK-member attack).
pub fn private_d(key: &DpopKey) -> String {
    use p256::pkcs8::DecodePrivateKey;
    let secret = p256::SecretKey::from_pkcs8_pem(&key.to_pkcs8_pem()).expect("own key round-trips");
    b64::encode(&secret.to_bytes())
}

/// A lease-shaped JWT signed by a key the gate does not know, with the claims of `real`.
pub fn forged_lease(real: &str) -> String {
    let claims = real
        .split('.')
        .nth(1)
        .and_then(|p| b64::decode(p).ok())
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    let header = serde_json::json!({"typ": "JWT", "alg": "ES256", "kid": "00000000deadbeef"});
    dpop::sign_compact(&DpopKey::generate(), &header, &claims)
}

/// Sets or deletes a member at a dotted path inside a JSON object (creating objects on the way).
pub fn set_path(root: &mut Value, path: &str, value: Option<Value>) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap_or_default();
    let mut cur = root;
    for p in parts {
        if !cur.get(p).is_some_and(Value::is_object) {
            cur[p] = serde_json::json!({});
        }
        cur = cur.get_mut(p).expect("just ensured");
    }
    match (value, cur.as_object_mut()) {
        (Some(v), Some(obj)) => {
            obj.insert(last.to_string(), v);
        }
        (None, Some(obj)) => {
            obj.remove(last);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn standard_proof_verifies_and_flipped_does_not() {
        let key = DpopKey::generate();
        let other = DpopKey::generate();
        let mut proof = Proof::standard(&key, "POST", "http://h/x", 1, "tok");
        let good = proof.compact(&key, &other);
        assert!(dpop::verify_proof_signature(&key.verifying_key(), &good));
        proof.sig = SigMode::Flipped;
        assert!(!dpop::verify_proof_signature(
            &key.verifying_key(),
            &proof.compact(&key, &other)
        ));
    }

    #[test]
    fn set_path_creates_and_deletes_nested_members() {
        let mut v = serde_json::json!({"jwk": {"x": "1"}});
        set_path(&mut v, "jwk.d", Some(Value::from("s")));
        set_path(&mut v, "jwk.x", None);
        assert_eq!(v, serde_json::json!({"jwk": {"d": "s"}}));
    }
}
