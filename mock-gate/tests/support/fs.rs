//! Temporary fs roots and the quickstart gates on them.

use std::path::Path;

use latchgate_mock::MockGate;
use serde_json::{json, Value};

/// A temporary fs root holding `entries`: `(path, content)` files (parents made) and
/// `("dir/", "")` directories.
pub fn fs_root_with(entries: &[(&str, &str)]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    for (path, content) in entries {
        let full = root.path().join(path);
        if path.ends_with('/') {
            std::fs::create_dir_all(&full).unwrap();
        } else {
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, content).unwrap();
        }
    }
    root
}

/// A quickstart gate on the fs root `root`.
pub async fn fs_gate(root: &Path) -> MockGate {
    MockGate::builder().fs_root(root).start().await.unwrap()
}

/// A quickstart gate on `root` where `dev:anonymous` may also call (the always held) `fs_write`.
pub async fn fs_write_gate(root: &Path) -> MockGate {
    MockGate::builder()
        .fs_root(root)
        .grant("dev:anonymous", &["fs_write"], &["fs_write"])
        .start()
        .await
        .unwrap()
}

/// `fs_read` parameters.
pub fn fs_read(path: &str) -> Value {
    json!({"operation": "read", "path": path})
}
