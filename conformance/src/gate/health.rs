//! `health.*`: the health and readiness endpoints.

use super::{expect_status, Listener};
use crate::check::{ensure, ensure_eq};
use serde_json::json;

scenario_fn!(health, |ctx| {
    let h = ctx.get(Listener::Client, "/healthz").await?;
    expect_status(&h, 200, "healthz")?;
    ensure_eq("healthz body", Some(json!({"status": "ok"})), h.json())?;
    let r = ctx.get(Listener::Client, "/readyz").await?;
    expect_status(&r, 200, "readyz")?;
    let body = r.json().unwrap_or_default();
    for k in ["redis", "opa", "ledger", "approval_store"] {
        ensure(body[k].is_boolean(), || {
            format!("readyz.{k} must be a boolean: {body}")
        })?;
    }
    ensure(body["actions_registered"].as_u64().unwrap_or(0) > 0, || {
        "readyz.actions_registered must be > 0".into()
    })
});
