//! `sdk.disc.*`: discovery — listing actions, calls without a lease, health.

use super::tap::respond_json;
use super::ACTION;
use crate::check::{ensure, ensure_eq};
use serde_json::json;

sdk_fn!(disc_unauthenticated, |ctx| {
    let c = ctx.client(json!({"agent_id": null})).await?;
    ctx.ok(json!({"cmd": "get_action", "client": c, "action_id": ACTION}))
        .await?;
    ctx.expect_sent("lease requests", "/v1/leases", 0)?;
    let e = ctx.first_sent("/v1/actions/", "no discovery request")?;
    ensure(
        e.header("authorization").is_none() && e.header("dpop").is_none(),
        || "discovery carried Authorization or DPoP".into(),
    )
});

sdk_fn!(disc_calls, |ctx| {
    let c = ctx.client(json!({})).await?;
    let r = ctx.ok(json!({"cmd": "list_actions", "client": c})).await?;
    let ids: Vec<&str> = r["actions"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["action_id"].as_str()).collect())
        .unwrap_or_default();
    ensure(ids.contains(&ACTION), || {
        format!("list_actions did not return {ACTION}: {ids:?}")
    })
});

sdk_fn!(disc_health, |ctx| {
    let c = ctx.client(json!({})).await?;
    let h = ctx.ok(json!({"cmd": "health", "client": c})).await?;
    ensure_eq("healthz", json!({"status": "ok"}), h["healthz"].clone())?;
    ensure_eq("ready", json!(true), h["ready"].clone())?;
    let body = json!({"status": "not_ready", "redis": true, "opa": true, "ledger": false, "approval_store": true, "egress_proxy": null, "actions_registered": 4});
    ctx.tap.once("/readyz", respond_json(503, body));
    let h = ctx.ok(json!({"cmd": "health", "client": c})).await?;
    ensure_eq(
        "ready on a 503 readiness body",
        json!(false),
        h["ready"].clone(),
    )
});
