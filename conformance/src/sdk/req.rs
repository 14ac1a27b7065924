//! `sdk.req.*`: how the SDK encodes an execute request (the body is the parameters).

use super::{exec, params, ACTION};
use crate::check::{ensure, ensure_eq};
use serde_json::json;

sdk_fn!(body_is_params, |ctx| {
    let c = ctx.connected().await?;
    exec(ctx, &c).await?;
    let _ = ctx
        .cmd(json!({"cmd": "execute", "client": c, "action_id": ACTION}))
        .await?;
    let execs = ctx.sent("/execute");
    ensure_eq("execute requests", 2, execs.len())?;
    ensure_eq("body with params", Some(params()), execs[0].json())?;
    ensure_eq("body without params", Some(json!({})), execs[1].json())?;
    ensure(
        execs.iter().all(|e| {
            e.header("content-type")
                .is_some_and(|c| c.starts_with("application/json"))
        }),
        || "execute without Content-Type application/json".into(),
    )
});

sdk_fn!(params_not_object, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-params"})).await?;
    let before = ctx.tap.io();
    for p in [json!([1]), json!("s")] {
        ctx.err(
            json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": p}),
            "InvalidInput",
        )
        .await?;
    }
    ctx.no_io_since(before, "non-object params")
});

sdk_fn!(oversized_body, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-big"})).await?;
    let big = json!({"path": "a".repeat(1_100_000)});
    let cmd = json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": big});
    ctx.err_before_io(cmd, "InvalidInput", "a body over 1 MiB")
        .await
});
