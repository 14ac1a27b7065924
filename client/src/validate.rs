//! Input checks made before any I/O (SDK-CONTRACT C-ID, C-URL, C-LEASE-03..05, C-REQ-01/02).
//! Each failure is `InvalidInput` naming the field.

use serde_json::Value;

use crate::error::Error;

/// Longest identifier, in bytes (C-ID-02).
pub const MAX_ID_BYTES: usize = 256;

/// Largest execute body the gate accepts, in bytes (C-REQ-02).
pub const MAX_BODY_BYTES: usize = 1_048_576;

/// Check an id that goes into a path: `[A-Za-z0-9][A-Za-z0-9._-]{0,255}` over the whole
/// string (so a trailing newline is rejected), ASCII only.
///
/// ```
/// use latchgate::validate::identifier;
/// assert!(identifier("action_id", "fs_read").is_ok());
/// let err = identifier("action_id", "abc\n").unwrap_err();
/// assert_eq!(err.field(), Some("action_id"));
/// ```
pub fn identifier(field: &str, value: &str) -> Result<(), Error> {
    let bytes = value.as_bytes();
    let Some(first) = bytes.first() else {
        return Err(Error::invalid_input(
            field,
            format!("{field} must not be empty"),
        ));
    };
    if bytes.len() > MAX_ID_BYTES {
        return Err(Error::invalid_input(
            field,
            format!(
                "{field} is {} bytes; at most {MAX_ID_BYTES} are allowed",
                bytes.len()
            ),
        ));
    }
    let body_ok = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    if !first.is_ascii_alphanumeric() || !bytes.iter().all(body_ok) {
        return Err(Error::invalid_input(
            field,
            format!("{field} {value:?} must match [A-Za-z0-9][A-Za-z0-9._-]*"),
        ));
    }
    Ok(())
}

/// Scopes must not be empty (C-LEASE-03); the gate decides on their format.
pub fn scopes(scopes: &[String]) -> Result<(), Error> {
    if scopes.is_empty() {
        return Err(Error::invalid_input("scopes", "scopes must not be empty"));
    }
    Ok(())
}

/// `max_calls` must be in 1..=2^63−1 (C-LEASE-04).
pub fn max_calls(n: u64) -> Result<(), Error> {
    if n == 0 || n > i64::MAX as u64 {
        return Err(Error::invalid_input(
            "max_calls",
            format!("max_calls must be between 1 and 2^63-1, got {n}"),
        ));
    }
    Ok(())
}

/// `fs_root` must be a non-empty absolute path (C-LEASE-05).
pub fn fs_root(path: &str) -> Result<(), Error> {
    if !path.starts_with('/') {
        return Err(Error::invalid_input(
            "fs_root",
            format!("fs_root must be an absolute path, got {path:?}"),
        ));
    }
    Ok(())
}

/// Execute parameters must be a JSON object; returns its serialised body, which must not
/// exceed [`MAX_BODY_BYTES`] (C-REQ-01/02).
pub fn params(params: &Value) -> Result<Vec<u8>, Error> {
    if !params.is_object() {
        return Err(Error::invalid_input(
            "params",
            "params must be a JSON object (the execute body is the object itself)",
        ));
    }
    let body = serde_json::to_vec(params)
        .map_err(|e| Error::invalid_input("params", format!("params cannot be serialised: {e}")))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(Error::invalid_input(
            "params",
            format!(
                "params serialise to {} bytes; the gate accepts at most {MAX_BODY_BYTES}",
                body.len()
            ),
        ));
    }
    Ok(body)
}

/// A base URL (transport or htu base): absolute `http`/`https` with a host, no query, no
/// fragment, no whitespace (C-URL-02/03). Returns it with every trailing `/` removed.
///
/// ```
/// use latchgate::validate::base_url;
/// assert_eq!(base_url("base_url", "http://127.0.0.1:3000/").unwrap(), "http://127.0.0.1:3000");
/// assert!(base_url("base_url", "localhost:3000").is_err());
/// assert!(base_url("base_url", "http://h/?x=1").is_err());
/// ```
pub fn base_url(field: &str, url: &str) -> Result<String, Error> {
    let fail = |why: &str| {
        Err(Error::invalid_input(
            field,
            format!("{field} {url:?} {why}"),
        ))
    };
    if url.is_empty() {
        return fail("must not be empty");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail("contains whitespace or control characters");
    }
    if url.contains('?') || url.contains('#') {
        return fail("must not have a query or fragment");
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return fail("must be an absolute http:// or https:// URL");
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return fail("must use http or https");
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        match bracketed.split_once(']') {
            Some((inner, "")) => (inner, None),
            Some((inner, after)) => match after.strip_prefix(':') {
                Some(port) => (inner, Some(port)),
                None => return fail("has text after the IPv6 address"),
            },
            None => return fail("has an unclosed IPv6 bracket"),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return fail("has no host");
    }
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return fail("has a port that is not a number");
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_calls_bounds_are_one_and_i64_max() {
        assert!(max_calls(1).is_ok());
        assert!(max_calls(i64::MAX as u64).is_ok());
        assert!(max_calls(0).is_err());
        assert!(max_calls(i64::MAX as u64 + 1).is_err());
    }

    #[test]
    fn base_url_rejects_missing_host_and_other_schemes() {
        for bad in [
            "http://",
            "http:///x",
            "ftp://h",
            "http://h:abc",
            "",
            "http://h x",
        ] {
            assert!(base_url("base_url", bad).is_err(), "{bad:?} accepted");
        }
        for good in [
            "http://h",
            "https://g.example:8443/prefix",
            "http://[::1]:3000",
            "HTTP://H/",
        ] {
            assert!(base_url("base_url", good).is_ok(), "{good:?} rejected");
        }
    }

    #[test]
    fn params_must_be_an_object_within_one_mebibyte() {
        assert!(params(&serde_json::json!({"a": 1})).is_ok());
        for bad in [
            serde_json::json!([]),
            serde_json::json!(null),
            serde_json::json!("s"),
        ] {
            assert_eq!(params(&bad).unwrap_err().field(), Some("params"));
        }
        let big = serde_json::json!({"s": "x".repeat(MAX_BODY_BYTES)});
        assert!(params(&big).is_err());
    }
}
