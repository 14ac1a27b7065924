//! The `builtin:fs` provider: reads and writes below the session's filesystem root, with the
//! manifest's allowed/denied globs (plus learned globs) and `max_file_bytes`, reporting the
//! host-observed effect for the `fs_hash` verifier.

use std::path::{Component, Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

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
    let rel = match relative(path, root) {
        Ok(r) => r,
        Err(code) => {
            let msg = match code {
                "traversal" => format!("path traversal rejected: {path}"),
                _ => format!("invalid path: {path}"),
            };
            return fail(code, msg);
        }
    };
    let rel_str = rel.to_string_lossy().into_owned();
    let spec = &call.spec;
    if spec
        .denied_globs
        .as_ref()
        .is_some_and(|g| g.is_match(&rel_str))
    {
        return fail("path_denied", format!("path matched denied_paths: {path}"));
    }
    let learned = crate::globs::compile(&call.learned_paths).ok();
    let allowed = spec
        .allowed_globs
        .as_ref()
        .is_some_and(|g| g.is_match(&rel_str))
        || learned.is_some_and(|g| g.is_match(&rel_str));
    if !allowed {
        return fail(
            "path_not_allowed",
            format!("path not covered by allowed_paths: {path}"),
        );
    }
    let fs = spec.spec.fs.clone().unwrap_or(crate::manifest::FsConfig {
        allowed_operations: vec![],
        allowed_paths: vec![],
        denied_paths: vec![],
        max_file_bytes: 0,
    });
    let full = root.join(&rel);
    match op {
        "read" => read(path, &full, &fs, &rel_str),
        "write" => write(p, path, &full, &fs, &rel_str),
        other => fail("invalid_operation", format!("unknown operation: {other}")),
    }
}

/// Path below the root, or an error code (`traversal`, `path_invalid`).
fn relative(path: &str, root: &Path) -> Result<PathBuf, &'static str> {
    if path.is_empty() || path.contains('\0') {
        return Err("path_invalid");
    }
    let p = Path::new(path);
    let p = if p.is_absolute() {
        p.strip_prefix(root).map_err(|_| "traversal")?
    } else {
        p
    };
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => out.push(s),
            Component::CurDir => {}
            _ => return Err("traversal"),
        }
    }
    if out.as_os_str().is_empty() {
        return Err("path_invalid");
    }
    Ok(out)
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn read(path: &str, full: &Path, fs: &crate::manifest::FsConfig, rel: &str) -> ProviderOutput {
    if !fs.allowed_operations.iter().any(|o| o == "read") {
        return fail(
            "operation_not_allowed",
            format!("operation not permitted by allowed_operations for: {path}"),
        );
    }
    let meta = match std::fs::symlink_metadata(full) {
        Ok(m) => m,
        Err(_) => return fail("path_not_found", format!("file not found: {path}")),
    };
    if !meta.is_file() {
        return fail(
            "special_file",
            format!("target is not a regular file: {path}"),
        );
    }
    if meta.len() > fs.max_file_bytes {
        return fail(
            "too_large",
            format!("content exceeds max_file_bytes: {path}"),
        );
    }
    let content = match std::fs::read(full) {
        Ok(c) => c,
        Err(_) => return fail("io_error", format!("I/O error: {path}")),
    };
    let hash = digest(&content);
    ProviderOutput {
        output: json!({"ok": true, "data": {
            "path": path,
            "size_bytes": content.len(),
            "hash": format!("sha256:{}", hex::encode(hash)),
            "content_base64": STANDARD.encode(&content),
        }}),
        exit_code: 0,
        observed: vec![Observed::Fs {
            operation: "read",
            path: rel.to_string(),
            before_hash: None,
            after_hash: Some(hash),
            bytes_before: 0,
            bytes_after: content.len() as u64,
        }],
    }
}

fn write(
    p: &Value,
    path: &str,
    full: &Path,
    fs: &crate::manifest::FsConfig,
    rel: &str,
) -> ProviderOutput {
    let Some(b64) = p.get("content_base64").and_then(Value::as_str) else {
        return fail(
            "invalid_content",
            "write operation requires content_base64".into(),
        );
    };
    let content = match STANDARD.decode(b64) {
        Ok(c) => c,
        Err(e) => return fail("invalid_content", format!("base64 decode failed: {e}")),
    };
    let mode = p.get("mode").and_then(Value::as_str).unwrap_or("overwrite");
    if mode != "create" && mode != "overwrite" {
        return fail("invalid_operation", format!("unknown write mode: {mode}"));
    }
    if !fs.allowed_operations.iter().any(|o| o == mode) {
        return fail(
            "operation_not_allowed",
            format!("operation not permitted by allowed_operations for: {path}"),
        );
    }
    if content.len() as u64 > fs.max_file_bytes {
        return fail(
            "too_large",
            format!("content exceeds max_file_bytes: {path}"),
        );
    }
    let before = std::fs::read(full).ok();
    if mode == "create" && before.is_some() {
        return fail("already_exists", format!("file already exists: {path}"));
    }
    if let Some(expected) = p.get("expected_before_hash").and_then(Value::as_str) {
        let actual = before
            .as_deref()
            .map(|b| format!("sha256:{}", hex::encode(digest(b))));
        if actual.as_deref() != Some(expected) {
            return fail(
                "conflict",
                format!("expected_before_hash mismatch (concurrent modification): {path}"),
            );
        }
    }
    if let Some(parent) = full.parent() {
        if std::fs::create_dir_all(parent).is_err() {
            return fail("io_error", format!("I/O error: {path}"));
        }
    }
    if std::fs::write(full, &content).is_err() {
        return fail("io_error", format!("I/O error: {path}"));
    }
    let after = digest(&content);
    let mut data = json!({
        "path": path,
        "after_hash": format!("sha256:{}", hex::encode(after)),
        "bytes_written": content.len(),
    });
    let before_hash = before.as_deref().map(digest);
    if let (Some(b), Some(h)) = (before.as_deref(), before_hash) {
        data["before_hash"] = json!(format!("sha256:{}", hex::encode(h)));
        data["bytes_before"] = json!(b.len());
    }
    ProviderOutput {
        output: json!({"ok": true, "data": data}),
        exit_code: 0,
        observed: vec![Observed::Fs {
            operation: if before.is_some() {
                "overwrite"
            } else {
                "create"
            },
            path: rel.to_string(),
            before_hash,
            after_hash: Some(after),
            bytes_before: before.map(|b| b.len() as u64).unwrap_or(0),
            bytes_after: content.len() as u64,
        }],
    }
}
