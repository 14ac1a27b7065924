//! `sdk.life.*`: the client's lifecycle — close, concurrent use.

use super::dpop::decode;
use super::{execute_cmd, params, ACTION};
use crate::check::{ensure, ensure_eq};
use serde_json::{json, Value};

sdk_fn!(life_close, |ctx| {
    let c = ctx.connected().await?;
    ctx.ok(json!({"cmd": "close", "client": c})).await?;
    ctx.ok(json!({"cmd": "close", "client": c})).await?;
    ctx.err_before_io(execute_cmd(&c), "Closed", "execute after close")
        .await
});

sdk_fn!(concurrent_use, |ctx| {
    let c = ctx.connected().await?;
    let r = ctx.ok(json!({"cmd": "execute_many", "client": c, "action_id": ACTION, "params": params(), "count": 10})).await?;
    let results = r["results"].as_array().cloned().unwrap_or_default();
    let failed: Vec<&Value> = results.iter().filter(|x| x.get("ok").is_none()).collect();
    ensure(results.len() == 10 && failed.is_empty(), || {
        format!(
            "{} of 10 concurrent calls failed: {:?}",
            failed.len(),
            failed
        )
    })?;
    let mut jtis: Vec<String> = ctx
        .sent("/execute")
        .iter()
        .filter_map(|e| decode(e).ok())
        .map(|(_, p)| p["jti"].to_string())
        .collect();
    jtis.sort();
    jtis.dedup();
    ensure_eq("distinct jti values", 10, jtis.len())
});
