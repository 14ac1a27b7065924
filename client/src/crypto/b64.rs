//! Unpadded base64url (RFC 4648 §5), the encoding of every JOSE segment, JWK coordinate,
//! thumbprint and `ath` in the protocol.
//!
//! Decoding is strict, like the gate's: padding, the standard alphabet's `+` and `/`,
//! whitespace and non-canonical trailing bits are all rejected.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// A string that is not strict unpadded base64url.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid base64url: {reason}")]
pub struct B64Error {
    reason: String,
}

impl B64Error {
    /// Why decoding failed.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// Encode `bytes` as base64url without padding.
///
/// ```
/// assert_eq!(latchgate::crypto::b64::encode(b"\xfb\xff"), "-_8");
/// ```
pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decode strict unpadded base64url.
///
/// ```
/// use latchgate::crypto::b64;
/// assert_eq!(b64::decode("-_8").unwrap(), b"\xfb\xff");
/// assert!(b64::decode("-_8=").is_err()); // padding
/// assert!(b64::decode("+/8").is_err()); // standard alphabet
/// assert!(b64::decode("-_9").is_err()); // non-canonical trailing bits
/// ```
pub fn decode(s: &str) -> Result<Vec<u8>, B64Error> {
    // The base64 crate's engines reject non-canonical trailing bits by default
    // (`decode_allow_trailing_bits` is false) and URL_SAFE_NO_PAD refuses padding.
    URL_SAFE_NO_PAD.decode(s).map_err(|e| B64Error {
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length_up_to_three_blocks() {
        for len in 0..=9usize {
            let bytes: Vec<u8> = (0..len as u8).map(|b| b.wrapping_mul(97)).collect();
            let encoded = encode(&bytes);
            assert!(!encoded.contains('='), "padding in {encoded}");
            assert_eq!(decode(&encoded).unwrap(), bytes, "length {len}");
        }
    }

    #[test]
    fn rejects_padding_standard_alphabet_whitespace_and_loose_trailing_bits() {
        for bad in ["AA==", "AA=", "a+b/", "AA AA", "AB", "AAB", "A"] {
            assert!(decode(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
