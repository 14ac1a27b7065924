//! `policy.*`: policy decisions a running gate v0.2.0 makes — Rego `glob.match` on dotted paths.

use super::{expect_status, EXEC_ACTION};
use crate::check::ensure_eq;
use serde_json::json;

/// Paths the manifest denies whose sensitive glob the Rego `glob.match` does not match, because
/// `**` does not cross a `.` there: no approval, the provider refuses them.
const DOTTED_DENIED: [&str; 3] = [
    "config/secrets/api.txt",
    "home/.ssh/id_rsa.pub",
    "my.app/.env",
];

scenario_fn!(dotted_sensitive_path, |ctx| {
    let lease = ctx.lease().await?;
    for path in DOTTED_DENIED {
        let params = json!({"operation": "read", "path": path});
        let resp = ctx.execute(&lease, EXEC_ACTION, &params).await?;
        expect_status(
            &resp,
            200,
            &format!("fs_read of {path} (denied by the provider, not held)"),
        )?;
        let body = resp.json().unwrap_or_default();
        ensure_eq(
            &format!("provider error code for {path}"),
            json!("path_denied"),
            body["output"]["error"]["code"].clone(),
        )?;
    }
    Ok(())
});
