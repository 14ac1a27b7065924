//! `sdk.url.*`: base URLs, transports (TCP, Unix socket) and the `htu` base.

use super::dpop::{decode, executed_proof, expect_htu, first_exec};
use super::{exec, execute_cmd, SdkCtx, ACTION};
use crate::check::{ensure, ensure_eq, Check, Failure};
use serde_json::{json, Value};

sdk_fn!(url_explicit_beats_env, |ctx| {
    let c = ctx
        .client(json!({"env": {"LATCHGATE_URL": "http://127.0.0.1:9"}}))
        .await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    ctx.expect_sent(
        "lease requests through the explicit base URL",
        "/v1/leases",
        1,
    )
});

sdk_fn!(url_env_used, |ctx| {
    let url = ctx.tap.url().to_string();
    let c = ctx
        .client(json!({"base_url": null, "env": {"LATCHGATE_URL": url}}))
        .await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    ctx.expect_sent("lease requests through LATCHGATE_URL", "/v1/leases", 1)
});

sdk_fn!(url_both, |ctx| {
    let sock = ctx
        .tap
        .socket()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    ctx.err(
        json!({"cmd": "new_client", "base_url": ctx.tap.url(), "socket": sock}),
        "InvalidInput",
    )
    .await
    .map(|_| ())
});

sdk_fn!(url_empty, |ctx| {
    let cmd = json!({"cmd": "new_client", "base_url": ""});
    ctx.err_before_io(cmd, "InvalidInput", "an empty base URL")
        .await
});

sdk_fn!(url_bad_base, |ctx| {
    for base in [
        "ftp://127.0.0.1:1",
        "http://127.0.0.1:1/?q=1",
        "127.0.0.1:1",
    ] {
        ctx.err(
            json!({"cmd": "new_client", "base_url": base}),
            "InvalidInput",
        )
        .await?;
    }
    Ok(())
});

sdk_fn!(url_trailing, |ctx| {
    let c = ctx
        .client(json!({"base_url": format!("{}//", ctx.tap.url())}))
        .await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    let paths: Vec<String> = ctx.journal().iter().map(|e| e.target.clone()).collect();
    ensure_eq("request paths", vec!["/v1/leases".to_string()], paths)
});

async fn uds_client(ctx: &mut SdkCtx, public_base: Option<String>) -> Check<String> {
    let sock = ctx
        .tap
        .socket()
        .map(|p| p.display().to_string())
        .ok_or_else(|| Failure::fail("tap has no socket"))?;
    let pb = public_base.map(Value::String).unwrap_or(Value::Null);
    ctx.client(json!({"base_url": null, "socket": sock, "public_base_url": pb, "env": {"LATCHGATE_URL": null, "LATCHGATE_PUBLIC_BASE_URL": null}})).await
}

/// Fails unless the first execute's proof has the htu `{base}/v1/actions/{ACTION}/execute`.
fn first_exec_htu(ctx: &SdkCtx, what: &str, base: &str) -> Check {
    let (_, p) = decode(&first_exec(ctx)?)?;
    expect_htu(what, format!("{base}/v1/actions/{ACTION}/execute"), &p)
}

sdk_fn!(url_uds_target, |ctx| {
    let pb = ctx.env.public_base.clone();
    let c = uds_client(ctx, Some(pb)).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    let e = ctx.first_sent("/v1/leases", "no lease request over the socket")?;
    ensure_eq("request target", "/v1/leases", e.target.as_str())?;
    ensure_eq("Host header", Some("localhost"), e.header("host"))
});

sdk_fn!(url_uds_htu, |ctx| {
    let c = uds_client(ctx, None).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    let _ = ctx.cmd(execute_cmd(&c)).await?;
    let what = "htu over a socket without public_base_url";
    first_exec_htu(ctx, what, "http://localhost:3000")
});

sdk_fn!(url_htu_explicit, |ctx| {
    let (_, p) = executed_proof(ctx).await?;
    expect_htu(
        "htu base",
        format!("{}/v1/actions/{ACTION}/execute", ctx.env.public_base),
        &p,
    )?;
    ensure(ctx.journal().len() >= 2, || {
        "requests did not go to the transport base URL".into()
    })
});

sdk_fn!(url_public_env, |ctx| {
    let pb = ctx.env.public_base.clone();
    let c = ctx
        .client(json!({"public_base_url": null, "env": {"LATCHGATE_PUBLIC_BASE_URL": pb}}))
        .await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    exec(ctx, &c).await?;
    first_exec_htu(ctx, "htu from LATCHGATE_PUBLIC_BASE_URL", &pb)
});

sdk_fn!(url_admin_warning, |ctx| {
    let dir = tempfile::tempdir().map_err(|e| Failure::fail(e.to_string()))?;
    let sock = dir.path().join("gate-admin.sock").display().to_string();
    let v = ctx
        .ok(json!({"cmd": "new_client", "socket": sock, "public_base_url": ctx.env.public_base}))
        .await?;
    let warnings = v["warnings"].as_array().cloned().unwrap_or_default();
    ensure(!warnings.is_empty(), || {
        "no warning for an agent client on gate-admin.sock".into()
    })
});

sdk_fn!(url_accessors, |ctx| {
    let c = ctx.connected().await?;
    let info = ctx.ok(json!({"cmd": "info", "client": c})).await?;
    ensure_eq(
        "htu base",
        json!(ctx.env.public_base),
        info["htu_base"].clone(),
    )?;
    ensure(
        info["base_url"]
            .as_str()
            .is_some_and(|b| b.starts_with(ctx.tap.url())),
        || format!("base_url accessor: {}", info["base_url"]),
    )?;
    ensure(
        info["session_id"].is_string() && info["lease_jti"].is_string(),
        || format!("session accessors: {info}"),
    )
});
