//! Who may use the `/_mock/` control API: holders of the control token (sent as
//! `Authorization: Bearer <token>`, compared in constant time), or anyone when the user opted
//! out explicitly (`--control-open`, for isolated test networks only). Without a configured
//! token one is generated at start and printed in the ready line.

use axum::http::HeaderMap;
use rand::RngCore;

use crate::crypto::ct_eq;

/// Access rule of the control API.
#[derive(Clone, PartialEq, Eq)]
pub enum ControlAccess {
    /// Requests must carry `Authorization: Bearer <token>`.
    Token(String),
    /// No check (`--control-open`).
    Open,
}

impl std::fmt::Debug for ControlAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Token(_) => f.write_str("Token(<redacted>)"),
            Self::Open => f.write_str("Open"),
        }
    }
}

impl Default for ControlAccess {
    fn default() -> Self {
        Self::generate()
    }
}

impl ControlAccess {
    /// A fresh random token (`mock-ctl-` + 32 hex digits).
    pub fn generate() -> Self {
        let mut raw = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        Self::Token(format!("mock-ctl-{}", hex::encode(raw)))
    }

    /// The token, unless open.
    pub fn token_str(&self) -> Option<&str> {
        match self {
            Self::Token(t) => Some(t),
            Self::Open => None,
        }
    }

    /// Whether `headers` grant access.
    pub fn admits(&self, headers: &HeaderMap) -> Result<(), &'static str> {
        let Self::Token(want) = self else {
            return Ok(());
        };
        let given = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or("control_token_required")?;
        if ct_eq(given.as_bytes(), want.as_bytes()) {
            Ok(())
        } else {
            Err("control_token_invalid")
        }
    }
}

/// A token must be non-empty visible ASCII without spaces (it travels in a header).
pub fn validate_token(token: &str) -> Result<(), String> {
    if token.is_empty() {
        return Err("control token must not be empty".into());
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("control token must be visible ASCII without spaces".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_auth(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("authorization", v.parse().unwrap());
        h
    }

    #[test]
    fn missing_wrong_and_right_tokens() {
        let a = ControlAccess::Token("s3cret".into());
        assert_eq!(a.admits(&HeaderMap::new()), Err("control_token_required"));
        assert_eq!(
            a.admits(&with_auth("Bearer s3cre")),
            Err("control_token_invalid")
        );
        assert_eq!(a.admits(&with_auth("Bearer s3cret")), Ok(()));
    }

    #[test]
    fn open_access_needs_no_header() {
        assert_eq!(ControlAccess::Open.admits(&HeaderMap::new()), Ok(()));
    }

    #[test]
    fn token_with_a_space_is_refused() {
        assert!(validate_token("a b").is_err());
        assert!(validate_token("").is_err());
    }

    #[test]
    fn generated_tokens_differ() {
        assert_ne!(ControlAccess::generate(), ControlAccess::generate());
    }
}
