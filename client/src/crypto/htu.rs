//! The DPoP `htu` value: the gate's URL normalisation (SDK-CONTRACT C-DPOP-04, PROTOCOL §5.3)
//! and the joining of a base URL with a route path (C-URL-03).

/// A URL without `://`, which the gate cannot normalise and always rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("htu {url:?} has no \"://\"; expected an absolute http(s) URL")]
pub struct HtuError {
    url: String,
}

/// Normalise a URL exactly as the gate compares `htu` values.
///
/// 1. cut at the first `#`, then at the first `?`;
/// 2. require `://` and lower-case the scheme;
/// 3. lower-case the authority (up to the first `/` after the scheme);
/// 4. drop `:80` for `http` and `:443` for `https` (split at the last `:`, so `[::1]:80` works);
/// 5. an empty path becomes `/`; the path is otherwise kept byte for byte.
///
/// ```
/// use latchgate::crypto::htu::normalize;
/// assert_eq!(
///     normalize("HTTP://LocalHost:80/v1/Actions/x/execute?a=1#f").unwrap(),
///     "http://localhost/v1/Actions/x/execute"
/// );
/// assert!(normalize("localhost:3000/x").is_err());
/// ```
pub fn normalize(url: &str) -> Result<String, HtuError> {
    let without_fragment = url.split('#').next().unwrap_or_default();
    let without_query = without_fragment.split('?').next().unwrap_or_default();
    let (scheme, rest) = without_query.split_once("://").ok_or_else(|| HtuError {
        url: url.to_owned(),
    })?;
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let authority = authority.to_ascii_lowercase();
    let authority = strip_default_port(&authority, &scheme);
    Ok(format!("{scheme}://{authority}{path}"))
}

fn strip_default_port<'a>(authority: &'a str, scheme: &str) -> &'a str {
    match authority.rsplit_once(':') {
        Some((host, "80")) if scheme == "http" => host,
        Some((host, "443")) if scheme == "https" => host,
        _ => authority,
    }
}

/// Join a base URL and a route path: every trailing `/` of `base` is removed, then `path`
/// (which starts with `/`) is appended.
///
/// ```
/// assert_eq!(
///     latchgate::crypto::htu::join("http://localhost:3000//", "/v1/x"),
///     "http://localhost:3000/v1/x"
/// );
/// ```
pub fn join(base: &str, path: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracketed_ipv6_with_custom_port_keeps_the_port() {
        assert_eq!(
            normalize("http://[::1]:8080/x").unwrap(),
            "http://[::1]:8080/x"
        );
    }

    #[test]
    fn default_port_of_the_other_scheme_is_kept() {
        assert_eq!(normalize("https://h:80/x").unwrap(), "https://h:80/x");
        assert_eq!(normalize("http://h:443/x").unwrap(), "http://h:443/x");
    }

    #[test]
    fn query_before_path_leaves_root_path() {
        assert_eq!(normalize("http://h?x=/y").unwrap(), "http://h/");
    }

    #[test]
    fn join_without_trailing_slash_appends() {
        assert_eq!(join("http://h", "/v1/x"), "http://h/v1/x");
    }
}
