//! Path globs: the fs allow/deny lists (globset with `literal_separator`, as the gate's
//! `GlobPattern`) and the policy's sensitive-path test (Rego `glob.match` with default
//! delimiter `.`: `*` stops at `.`, `**` matches anything).

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// Compiles fs globs with `*` not crossing `/`.
pub fn compile(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let g = GlobBuilder::new(p)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob pattern '{p}': {e}"))?;
        b.add(g);
    }
    b.build().map_err(|e| e.to_string())
}

/// The policy's sensitive paths (approval required for fs actions).
pub const SENSITIVE_PATTERNS: [&str; 5] = [
    "**/.env",
    "**/.env.*",
    "**/secrets/**",
    "**/.ssh/**",
    "**/.aws/credentials",
];

/// Whether `path` matches one of [`SENSITIVE_PATTERNS`] under Rego glob semantics.
pub fn is_sensitive(path: &str) -> bool {
    SENSITIVE_PATTERNS
        .iter()
        .any(|p| rego_glob_match(p.as_bytes(), path.as_bytes()))
}

/// Rego `glob.match(pattern, [], text)`: delimiter `.`; `**` any run, `*` any run without `.`,
/// `?` one non-`.` byte, everything else literal.
pub fn rego_glob_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.first() {
        None => text.is_empty(),
        Some(b'*') if pattern.get(1) == Some(&b'*') => {
            let rest = &pattern[2..];
            (0..=text.len()).any(|i| rego_glob_match(rest, &text[i..]))
        }
        Some(b'*') => {
            let rest = &pattern[1..];
            for i in 0..=text.len() {
                if rego_glob_match(rest, &text[i..]) {
                    return true;
                }
                if i < text.len() && text[i] == b'.' {
                    return false;
                }
            }
            false
        }
        Some(b'?') => {
            !text.is_empty() && text[0] != b'.' && rego_glob_match(&pattern[1..], &text[1..])
        }
        Some(&c) => !text.is_empty() && text[0] == c && rego_glob_match(&pattern[1..], &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_paths_need_a_directory_before_dotenv() {
        assert!(is_sensitive("app/.env"));
        assert!(is_sensitive("app/.env.local"));
        assert!(!is_sensitive(".env"));
        assert!(!is_sensitive("app/.env.a.b"));
        assert!(is_sensitive("x/secrets/y.txt"));
        assert!(is_sensitive("home/.aws/credentials"));
    }

    #[test]
    fn fs_globs_do_not_cross_slashes_with_single_star() {
        let set = compile(&["*.md".to_string(), "src/**".to_string()]).unwrap();
        assert!(set.is_match("README.md"));
        assert!(!set.is_match("docs/README.md"));
        assert!(set.is_match("src/a/b.rs"));
    }
}
