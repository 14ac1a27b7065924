//! Gate-side primitives: strict base64url, RFC 7638 thumbprints, `ath`, htu normalization,
//! JCS request hashes. Written independently of the `latchgate` client crate on purpose: the
//! mock checks the client, so it must not share the client's rules.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

pub mod jcs;

/// base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict base64url decode: no padding, no `+`/`/`, canonical trailing bits.
pub fn b64_decode(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s).ok()
}

/// Lowercase hex of SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// RFC 7638 thumbprint of a P-256 JWK from the exact `x`/`y` strings given.
pub fn thumbprint(x: &str, y: &str) -> String {
    let jwk = serde_json::json!({"crv": "P-256", "kty": "EC", "x": x, "y": y});
    let canonical = jcs::to_vec(&jwk).unwrap_or_default();
    b64(&Sha256::digest(&canonical))
}

/// `ath`: base64url(SHA-256(token)).
pub fn ath(token: &str) -> String {
    b64(&Sha256::digest(token.as_bytes()))
}

/// The gate's `normalize_htu`: cut `#…` then `?…`, require `://`, lowercase scheme and
/// authority, drop `:80`/`:443` defaults, keep the path byte-exact (default `/`).
pub fn normalize_htu(htu: &str) -> Result<String, String> {
    let no_frag = htu.split('#').next().unwrap_or(htu);
    let no_query = no_frag.split('?').next().unwrap_or(no_frag);
    let (scheme, after) = no_query
        .split_once("://")
        .ok_or_else(|| format!("invalid URI: missing '://' in '{htu}'"))?;
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = match after.split_once('/') {
        Some((a, rest)) => (a.to_ascii_lowercase(), format!("/{rest}")),
        None => (after.to_ascii_lowercase(), "/".to_string()),
    };
    let authority = match authority.rsplit_once(':') {
        Some((host, port))
            if matches!((scheme.as_str(), port), ("http", "80") | ("https", "443")) =>
        {
            host.to_string()
        }
        _ => authority,
    };
    Ok(format!("{scheme}://{authority}{path}"))
}

/// `"sha256:" + hex(SHA-256(JCS(value)))`, or `None` for values JCS refuses.
pub fn request_hash(value: &serde_json::Value) -> Option<String> {
    canonical_digest(value).map(|(hash, _)| hash)
}

/// `sha256:<hex>` of the JCS form and that form's length in bytes, from one canonicalization.
pub fn canonical_digest(value: &serde_json::Value) -> Option<(String, usize)> {
    let canonical = jcs::to_vec(value).ok()?;
    Some((
        prefixed_sha256(Sha256::digest(&canonical).into()),
        canonical.len(),
    ))
}

/// The gate's written form of a digest: `sha256:` + lowercase hex.
pub fn prefixed_sha256(digest: [u8; 32]) -> String {
    format!("sha256:{}", hex::encode(digest))
}

/// Constant-time byte comparison.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htu_normalization_matches_the_upstream_pairs() {
        let cases = [
            (
                "https://gate.example.com/v1/x?a=1#f",
                "https://gate.example.com/v1/x",
            ),
            (
                "HTTPS://Gate.Example.COM/V1/X",
                "https://gate.example.com/V1/X",
            ),
            ("https://h:443/p", "https://h/p"),
            ("http://h:80/p", "http://h/p"),
            ("https://h:8443/p", "https://h:8443/p"),
            ("http://h/a%2Fb", "http://h/a%2Fb"),
            ("http://h", "http://h/"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_htu(input).unwrap(), want, "input {input}");
        }
        assert!(normalize_htu("localhost/x").is_err());
    }

    #[test]
    fn empty_object_request_hash_is_the_known_vector() {
        assert_eq!(
            request_hash(&serde_json::json!({})).unwrap(),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }

    #[test]
    fn strict_decode_rejects_padding_and_standard_alphabet() {
        assert!(b64_decode("YQ==").is_none());
        assert!(b64_decode("a+b/").is_none());
        assert_eq!(b64_decode("YQ").unwrap(), b"a");
        assert!(b64_decode("YR").is_none(), "non-canonical trailing bits");
    }
}
