//! Learning domains and paths on approval (`learn_domain` / `learn_path`).

use std::net::IpAddr;
use std::path::Path;

use crate::enforce::error::PipelineError;
use crate::state::learned_rules::{EntrySource, LearnedKind, NewEntry};
use crate::state::GateState;

/// The gate's domain-entry validation (no unsafe wildcards); returns the normalized entry.
pub fn validate_domain(domain: &str) -> Result<String, String> {
    let t = domain.trim();
    if t.is_empty() {
        return Err("domain must not be empty or whitespace-only".into());
    }
    if t.contains(char::is_whitespace) {
        return Err("domain contains whitespace".into());
    }
    let mut n = t.to_ascii_lowercase();
    if n.ends_with('.') {
        n.pop();
    }
    if n.is_empty() {
        return Err("domain must not be empty or whitespace-only".into());
    }
    if let Some(suffix) = n.strip_prefix("*.") {
        if suffix.contains('*') {
            return Err("invalid wildcard: only a leading '*.' is permitted; mid-string wildcards are not supported".into());
        }
        if suffix.is_empty() {
            return Err(
                "invalid wildcard: wildcard '*.' must be followed by a domain suffix".into(),
            );
        }
        if !suffix.contains('.') {
            return Err(format!("wildcard suffix too short: '{n}' — suffix after '*.' must contain at least one dot (e.g. '*.example.com', not '*.com')"));
        }
        labels(suffix)?;
        if suffix.matches('.').count() < 2 {
            return Err(format!("wildcard '{n}' has a broad suffix (fewer than 3 labels) — use --force on the CLI to accept this risk"));
        }
        return Ok(n);
    }
    if n.contains('*') {
        return Err("invalid wildcard: only '*.suffix' form is supported; bare '*' and mid-string wildcards are not".into());
    }
    if n == "localhost" {
        return Err("'localhost' is not permitted as a learned domain".into());
    }
    let ip = n
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(&n);
    if let Ok(ip) = ip.parse::<IpAddr>() {
        if is_private(ip) {
            return Err(format!(
                "'{n}' is a private/reserved IP address — learned domains must be public"
            ));
        }
        return Ok(n);
    }
    if !n.contains('.') {
        return Err(format!("domain must contain at least one dot (got '{n}')"));
    }
    labels(&n)?;
    Ok(n)
}

fn labels(d: &str) -> Result<(), String> {
    if d.len() > 253 {
        return Err("domain exceeds 253 characters".into());
    }
    for label in d.split('.') {
        if label.is_empty() {
            return Err("domain label must not be empty (double dot or leading/trailing dot after normalization)".into());
        }
        if label.len() > 63 {
            return Err(format!("domain label '{label}' exceeds 63 characters"));
        }
        if let Some(ch) = label
            .chars()
            .find(|c| !c.is_ascii_alphanumeric() && *c != '-')
        {
            return Err(format!("domain contains invalid character '{ch}' — only ASCII alphanumerics, hyphens, and dots are allowed"));
        }
    }
    Ok(())
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            v.is_private()
                || v.is_loopback()
                || v.is_link_local()
                || v.is_unspecified()
                || v.is_broadcast()
                || v.is_documentation()
                || v.octets()[0] == 100 && (64..128).contains(&v.octets()[1])
        }
        IpAddr::V6(v) => {
            v.is_loopback()
                || v.is_unspecified()
                || (v.segments()[0] & 0xfe00) == 0xfc00
                || (v.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// The gate's learned-path glob validation.
pub fn validate_path_glob(glob: &str) -> Result<(), String> {
    if glob.trim().is_empty() {
        return Err("path glob must not be empty or whitespace-only".into());
    }
    if glob.starts_with('/') {
        return Err("path glob must be relative (no leading '/')".into());
    }
    if matches!(glob.trim_matches('/'), "*" | "**" | "**/*") {
        return Err(format!(
            "catch-all pattern '{glob}' is too broad — use a scoped pattern like 'src/**' instead"
        ));
    }
    for (i, b) in glob.bytes().enumerate() {
        if b == 0 {
            return Err(format!("null byte at position {i}"));
        }
        if b < 0x20 && b != b'\t' {
            return Err(format!("control character 0x{b:02x} at position {i}"));
        }
    }
    if glob.split('/').any(|s| s == "..") {
        return Err("parent traversal ('..') is not allowed in learned paths".into());
    }
    let first = glob.split('/').next().unwrap_or(glob);
    for s in [
        ".env",
        ".ssh",
        ".git",
        ".latchgate",
        ".aws",
        ".gnupg",
        ".pgpass",
        ".netrc",
        ".docker",
        ".kube",
    ] {
        let hit = first == s
            || (first.starts_with(s)
                && matches!(first.as_bytes().get(s.len()), Some(b'.') | Some(b'*')));
        if hit {
            return Err(format!("glob targets sensitive location '{s}' — these are covered by the runtime deny list and must not be learned as allow patterns"));
        }
    }
    let boundary = glob
        .strip_prefix(".config/latchgate")
        .map(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('*'));
    if boundary == Some(true) {
        return Err("glob targets sensitive location '.config/latchgate' — these are covered by the runtime deny list and must not be learned as allow patterns".into());
    }
    Ok(())
}

/// Explicit `learn_path`, else the first unresolved path; absolute paths are made relative to
/// the session root; the result is validated (400 `bad_request` after the claim).
pub fn resolve_path(
    explicit: Option<&str>,
    fallback: Option<&str>,
    root: Option<&Path>,
) -> Result<Option<String>, PipelineError> {
    let Some(raw) = explicit.or(fallback) else {
        return Ok(None);
    };
    let rel = if Path::new(raw).is_absolute() {
        let root = root.ok_or_else(|| {
            PipelineError::BadRequest(format!(
                "learn_path '{raw}' is absolute but no session fs_root is configured"
            ))
        })?;
        Path::new(raw)
            .strip_prefix(root)
            .ok()
            .and_then(|p| p.to_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                PipelineError::BadRequest(format!(
                    "learn_path '{raw}' is not under session fs_root '{}'",
                    root.display()
                ))
            })?
    } else {
        raw.to_string()
    };
    validate_path_glob(&rel)
        .map_err(|e| PipelineError::BadRequest(format!("invalid learn_path '{rel}': {e}")))?;
    Ok(Some(rel))
}

/// Who adds an entry and why (the provenance columns).
#[derive(Debug, Clone, Copy)]
pub struct Provenance<'a> {
    /// Operator id.
    pub added_by: &'a str,
    /// `approval` or `api`.
    pub source: EntrySource,
    /// Approval that taught the entry.
    pub approval_id: Option<&'a str>,
}

/// Stores a learned entry the way the gate's ledger does: validated, a domain normalized
/// (lowercase, no trailing dot), idempotent, at most 50 path globs per action. `Ok(false)` when
/// the pair was already present.
pub fn learn(
    st: &GateState,
    kind: LearnedKind,
    action_id: &str,
    value: &str,
    who: Provenance<'_>,
) -> Result<bool, String> {
    let stored = match kind {
        LearnedKind::Domain => validate_domain(value)?,
        LearnedKind::Path => validate_path_glob(value).map(|()| value.to_string())?,
    };
    st.learned
        .table(kind)
        .insert(entry(st, action_id, &stored, who))
}

fn entry<'a>(
    st: &GateState,
    action_id: &'a str,
    value: &'a str,
    who: Provenance<'a>,
) -> NewEntry<'a> {
    NewEntry {
        action_id,
        value,
        added_by: who.added_by,
        source: who.source,
        approval_id: who.approval_id,
        added_at: st.now_rfc3339_nanos(),
    }
}
