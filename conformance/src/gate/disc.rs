//! `disc.*`: action discovery (list, detail, unknown action) without consuming proofs.

use super::{expect_array, expect_empty, expect_status, Listener, EXEC_ACTION};
use crate::check::{ensure, ensure_eq};
use serde_json::json;

scenario_fn!(actions_list, |ctx| {
    let resp = ctx.get(Listener::Client, "/v1/actions").await?;
    let actions = expect_array(&resp, "list actions without auth", "actions")?;
    let ids: Vec<&str> = actions
        .iter()
        .filter_map(|a| a["action_id"].as_str())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    ensure_eq("actions sorted by action_id", sorted.clone(), ids.clone())?;
    ensure(ids.contains(&EXEC_ACTION), || {
        format!("{EXEC_ACTION} not listed: {ids:?}")
    })?;
    for a in &actions {
        ensure(
            a["version"].is_string() && a["risk_level"].is_string(),
            || format!("action entry lacks version/risk_level: {a}"),
        )?;
    }
    Ok(())
});

scenario_fn!(action_detail, |ctx| {
    let resp = ctx.get(Listener::Client, "/v1/actions/http_fetch").await?;
    expect_status(&resp, 200, "action detail")?;
    let d = resp.json().unwrap_or_default();
    ensure(d.get("runtime").is_none(), || {
        "action detail must not have a runtime member".into()
    })?;
    for k in [
        "fuel",
        "memory_mb",
        "timeout_seconds",
        "max_io_calls",
        "max_host_response_bytes",
    ] {
        ensure(d["resource_limits"][k].is_u64(), || {
            format!("resource_limits.{k} missing")
        })?;
    }
    ensure(d["io"]["has_request_schema"].is_boolean(), || {
        "io.has_request_schema missing".into()
    })?;
    let egress = &d["egress"];
    ensure(
        egress == &json!("none") || egress["proxy_allowlist"]["allowed_domains"].is_array(),
        || format!("egress is not externally tagged: {egress}"),
    )
});

scenario_fn!(action_unknown, |ctx| {
    let resp = ctx
        .get(Listener::Client, "/v1/actions/lgc_no_such_action")
        .await?;
    expect_empty(&resp, 404)
});

scenario_fn!(proof_not_consumed, |ctx| {
    let lease = ctx.lease().await?;
    let exec_path = "/v1/actions/lgc_no_such_action/execute";
    let proof = ctx.proof_for(&lease.key, "POST", exec_path, &lease.jwt);
    let req = ctx.with_proof(&lease, "GET", "/v1/actions/fs_read", &proof);
    expect_status(
        &ctx.send(Listener::Client, req).await?,
        200,
        "discovery with DPoP headers",
    )?;
    let req = ctx.with_proof(&lease, "POST", exec_path, &proof);
    ctx.refused(req, 404, "action_not_found").await
});
