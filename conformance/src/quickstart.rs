//! The quickstart preset the scenarios assume: the action they run, parameters with and without
//! an approval, and an action the ACL denies.

use serde_json::{json, Value};

/// The runnable action of the quickstart preset.
pub const EXEC_ACTION: &str = "fs_read";

/// Parameters that run without approval (an allowlisted path).
pub fn exec_params() -> Value {
    json!({"operation": "read", "path": "README.md"})
}

/// Parameters that need approval: a path outside the allowlist, unique per call because approving
/// teaches the gate the path (a shared gate would auto-allow it afterwards).
pub fn approval_params() -> Value {
    let path = format!("notes/lgc-{}.txt", uuid::Uuid::new_v4().simple());
    json!({"operation": "read", "path": path})
}

/// An action the quickstart ACL denies to `dev:anonymous`.
pub const DENIED_ACTION: &str = "http_post";
