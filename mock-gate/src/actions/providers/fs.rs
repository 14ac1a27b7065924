//! The `builtin:fs` provider: reads and writes below the session's filesystem root, with the
//! manifest's allowed/denied globs (plus learned globs) and `max_file_bytes`, reporting the
//! host-observed effect for the `fs_hash` verifier.

use std::path::{Component, Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::crypto::prefixed_sha256;

use super::{error_output, Observed, Provider, ProviderCall, ProviderFuture, ProviderOutput};

/// Filesystem provider.
#[derive(Debug, Clone)]
pub struct FsProvider;

impl Provider for FsProvider {
    fn call(&self, call: ProviderCall) -> ProviderFuture {
        Box::pin(async move { Ok(run(&call)) })
    }
}

fn fail(code: &str, message: String) -> ProviderOutput {
    ProviderOutput::ok(error_output(code, message))
}

fn run(call: &ProviderCall) -> ProviderOutput {
    let p = &call.params;
    let op = p.get("operation").and_then(Value::as_str).unwrap_or("");
    let path = p.get("path").and_then(Value::as_str).unwrap_or("");
    let Some(root) = call.fs_root.as_deref() else {
        return fail("io_error", format!("I/O error: {path}"));
    };
    let fs = call.spec.spec.fs.clone().unwrap_or_default();
    let target = Target { path, root, call };
    match op {
        "read" => read(&target, &fs),
        "write" => write(p, &target, &fs),
        other => fail("invalid_operation", format!("unknown operation: {other}")),
    }
}

/// The requested path, the session's root and the call (for the allow/deny globs).
struct Target<'a> {
    path: &'a str,
    root: &'a Path,
    call: &'a ProviderCall,
}

impl Target<'_> {
    fn full(&self, rel: &Path) -> PathBuf {
        self.root.join(rel)
    }
}

/// The gate's checks of the path string, in the gate's order: string shape (empty, absolute,
/// control bytes → `path_invalid`; a `..` segment → `traversal`), then the allow/deny globs on
/// the path exactly as sent (so `config/secrets/` meets `**/secrets/**`). Returns the path below
/// the root, which `postcheck` matches again once it is known to exist.
fn check_path(t: &Target) -> Result<PathBuf, ProviderOutput> {
    let path = t.path;
    let invalid = || fail("path_invalid", format!("invalid path: {path}"));
    let b = path.as_bytes();
    if path.is_empty() || path.starts_with('/') || path.starts_with('\\') {
        return Err(invalid());
    }
    if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
        return Err(invalid());
    }
    if b.iter().any(|&c| c <= 0x1f || c == 0x7f) {
        return Err(invalid());
    }
    if path.split('/').any(|c| c == "..") {
        return Err(fail(
            "traversal",
            format!("path traversal rejected: {path}"),
        ));
    }
    deny_allow(t, path)?;
    let rel: PathBuf = Path::new(path)
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect();
    if rel.as_os_str().is_empty() {
        return Err(invalid());
    }
    Ok(rel)
}

/// The denied globs, then the allowed (manifest or learned) globs, on `candidate`.
fn deny_allow(t: &Target, candidate: &str) -> Result<(), ProviderOutput> {
    let path = t.path;
    let spec = &t.call.spec;
    if spec
        .denied_globs
        .as_ref()
        .is_some_and(|g| g.is_match(candidate))
    {
        return Err(fail(
            "path_denied",
            format!("path matched denied_paths: {path}"),
        ));
    }
    let learned = crate::actions::globs::compile(&t.call.learned_paths).ok();
    let allowed = spec
        .allowed_globs
        .as_ref()
        .is_some_and(|g| g.is_match(candidate))
        || learned.is_some_and(|g| g.is_match(candidate));
    if !allowed {
        return Err(fail(
            "path_not_allowed",
            format!("path not covered by allowed_paths: {path}"),
        ));
    }
    Ok(())
}

/// The gate's second glob check, on the resolved path below the root (no symlink on the way,
/// so the components of the request).
fn postcheck(t: &Target, rel: &Path) -> Result<(), ProviderOutput> {
    deny_allow(t, rel.to_string_lossy().as_ref())
}

/// Opens nothing but reports what the gate's no-symlink open below the root would: a missing
/// component → `path_not_found`, a symlink anywhere on the way → `symlink_escape`.
fn resolve_existing(t: &Target, rel: &Path) -> Result<std::fs::Metadata, ProviderOutput> {
    let path = t.path;
    let mut at = t.root.to_path_buf();
    let mut meta = None;
    for c in rel.components() {
        at.push(c);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(fail(
                    "symlink_escape",
                    format!("symlink escape detected: {path}"),
                ))
            }
            Ok(m) => meta = Some(m),
            // The gate maps ENOENT to not-found and any other open error (a name over 255
            // bytes, a file used as a directory) to io_error.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(fail("path_not_found", format!("file not found: {path}")))
            }
            Err(_) => return Err(fail("io_error", format!("I/O error: {path}"))),
        }
    }
    meta.ok_or_else(|| fail("path_invalid", format!("invalid path: {path}")))
}

fn operation_allowed(
    fs: &crate::actions::manifest::FsConfig,
    op: &str,
    path: &str,
) -> Result<(), ProviderOutput> {
    if fs.allowed_operations.iter().any(|o| o == op) {
        Ok(())
    } else {
        Err(fail(
            "operation_not_allowed",
            format!("operation not permitted by allowed_operations for: {path}"),
        ))
    }
}

/// The content of an existing regular file below the root, at most `max_file_bytes` long
/// (what both a read and an overwrite open).
fn read_regular_file(
    t: &Target,
    rel: &Path,
    fs: &crate::actions::manifest::FsConfig,
) -> Result<Vec<u8>, ProviderOutput> {
    let path = t.path;
    let meta = resolve_existing(t, rel)?;
    if !meta.is_file() {
        return Err(fail(
            "special_file",
            format!("target is not a regular file: {path}"),
        ));
    }
    if meta.len() > fs.max_file_bytes {
        return Err(fail(
            "too_large",
            format!("content exceeds max_file_bytes: {path}"),
        ));
    }
    postcheck(t, rel)?;
    std::fs::read(t.full(rel)).map_err(|_| fail("io_error", format!("I/O error: {path}")))
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn read(t: &Target, fs: &crate::actions::manifest::FsConfig) -> ProviderOutput {
    let path = t.path;
    if let Err(e) = operation_allowed(fs, "read", path) {
        return e;
    }
    let rel = match check_path(t) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let content = match read_regular_file(t, &rel, fs) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let hash = digest(&content);
    ProviderOutput {
        output: json!({"ok": true, "data": {
            "path": path,
            "size_bytes": content.len(),
            "hash": prefixed_sha256(hash),
            "content_base64": STANDARD.encode(&content),
        }}),
        exit_code: 0,
        observed: vec![Observed::Fs {
            operation: "read",
            path: path.to_string(),
            before_hash: None,
            after_hash: Some(hash),
            bytes_before: 0,
            bytes_after: content.len() as u64,
        }],
    }
}

/// `expected_before_hash` as the fs provider parses it: `sha256:` + 64 hex digits.
fn parse_expected_hash(s: &str) -> Result<Vec<u8>, String> {
    let hex_str = s
        .strip_prefix("sha256:")
        .ok_or_else(|| format!("expected_before_hash must start with 'sha256:': {s}"))?;
    if hex_str.len() != 64 {
        return Err(format!(
            "expected_before_hash hex must be 64 chars, got {}",
            hex_str.len()
        ));
    }
    hex::decode(hex_str).map_err(|e| format!("expected_before_hash hex decode failed: {e}"))
}

/// What a write asks for, parsed in the gate's order: content, mode, expected hash.
struct WriteRequest<'a> {
    content: Vec<u8>,
    mode: &'a str,
    expected: Option<Vec<u8>>,
}

impl<'a> WriteRequest<'a> {
    fn parse(p: &'a Value) -> Result<Self, ProviderOutput> {
        let Some(b64) = p.get("content_base64").and_then(Value::as_str) else {
            return Err(fail(
                "invalid_content",
                "write operation requires content_base64".into(),
            ));
        };
        let content = STANDARD
            .decode(b64)
            .map_err(|e| fail("invalid_content", format!("base64 decode failed: {e}")))?;
        let mode = p.get("mode").and_then(Value::as_str).unwrap_or("overwrite");
        if mode != "create" && mode != "overwrite" {
            return Err(fail(
                "invalid_operation",
                format!("unknown write mode: {mode}"),
            ));
        }
        let expected = p
            .get("expected_before_hash")
            .and_then(Value::as_str)
            .map(|s| parse_expected_hash(s).map_err(|msg| fail("invalid_content", msg)))
            .transpose()?;
        Ok(Self {
            content,
            mode,
            expected,
        })
    }
}

fn write(p: &Value, t: &Target, fs: &crate::actions::manifest::FsConfig) -> ProviderOutput {
    try_write(p, t, fs).unwrap_or_else(|refused| refused)
}

fn try_write(
    p: &Value,
    t: &Target,
    fs: &crate::actions::manifest::FsConfig,
) -> Result<ProviderOutput, ProviderOutput> {
    let path = t.path;
    let WriteRequest {
        content,
        mode,
        expected,
    } = WriteRequest::parse(p)?;
    operation_allowed(fs, mode, path)?;
    if content.len() as u64 > fs.max_file_bytes {
        return Err(fail(
            "too_large",
            format!("content exceeds max_file_bytes: {path}"),
        ));
    }
    let rel = check_path(t)?;
    let before = if mode == "create" {
        check_creatable(t, &rel)?;
        None
    } else {
        Some(read_regular_file(t, &rel, fs)?)
    };
    let before_hash = before.as_deref().map(digest);
    if let Some(want) = expected {
        if before_hash.map(|h| h.to_vec()) != Some(want) {
            return Err(fail(
                "conflict",
                format!("expected_before_hash mismatch (concurrent modification): {path}"),
            ));
        }
    }
    if std::fs::write(t.full(&rel), &content).is_err() {
        return Err(fail("io_error", format!("I/O error: {path}")));
    }
    Ok(written(
        path,
        mode,
        &content,
        before.as_deref(),
        before_hash,
    ))
}

/// A create needs an existing parent directory, the globs on the new path, and no file there.
fn check_creatable(t: &Target, rel: &Path) -> Result<(), ProviderOutput> {
    let path = t.path;
    if let Some(parent) = rel.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !resolve_existing(t, parent)?.is_dir() {
            return Err(fail("path_invalid", format!("invalid path: {path}")));
        }
    }
    postcheck(t, rel)?;
    if std::fs::symlink_metadata(t.full(rel)).is_ok() {
        return Err(fail(
            "already_exists",
            format!("file already exists: {path}"),
        ));
    }
    Ok(())
}

/// The answer to a done write and the effect it reports.
fn written(
    path: &str,
    mode: &str,
    content: &[u8],
    before: Option<&[u8]>,
    before_hash: Option<[u8; 32]>,
) -> ProviderOutput {
    let after = digest(content);
    let mut data = json!({
        "path": path,
        "after_hash": prefixed_sha256(after),
        "bytes_written": content.len(),
    });
    if let (Some(b), Some(h)) = (before, before_hash) {
        data["before_hash"] = json!(prefixed_sha256(h));
        data["bytes_before"] = json!(b.len());
    }
    ProviderOutput {
        output: json!({"ok": true, "data": data}),
        exit_code: 0,
        observed: vec![Observed::Fs {
            operation: if mode == "create" {
                "create"
            } else {
                "overwrite"
            },
            path: path.to_string(),
            before_hash,
            after_hash: Some(after),
            bytes_before: before.map(|b| b.len() as u64).unwrap_or(0),
            bytes_after: content.len() as u64,
        }],
    }
}
