//! `sdk.conn.*`: connection and lease renewal — lazy connect, renewal, coalescing, failures.

use super::dpop::executed_proof;
use super::tap::{respond_json, Action, Rule};
use super::{exec, execute_cmd, params, SdkCtx, ACTION};
use crate::check::{ensure, ensure_eq, Check, Failure};
use serde_json::{json, Value};
use std::sync::Arc;

/// Rewrites lease answers so `expires_at` is `secs` from now (forces or avoids renewal).
pub(super) fn lease_ttl(ctx: &SdkCtx, secs: i64) {
    let f = move |mut v: Value| {
        let at = chrono::Utc::now() + chrono::Duration::seconds(secs);
        v["expires_at"] = json!(at.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        v
    };
    ctx.tap
        .rule(Rule::on("/v1/leases", Action::Rewrite(Arc::new(f))));
}

sdk_fn!(conn_lazy, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-lazy"})).await?;
    exec(ctx, &c).await?;
    let j = ctx.journal();
    ctx.expect_sent("lease requests", "/v1/leases", 1)?;
    ensure(j.first().is_some_and(|e| e.path() == "/v1/leases"), || {
        "the lease was not requested before the call".into()
    })
});

sdk_fn!(conn_not_connected, |ctx| {
    let c = ctx.client(json!({})).await?;
    let what = "execute without a lease or agent id";
    ctx.err_before_io(execute_cmd(&c), "NotConnected", what)
        .await
});

async fn calls(ctx: &mut SdkCtx, c: &str, n: usize) -> Check {
    for _ in 0..n {
        exec(ctx, c).await?;
    }
    Ok(())
}

sdk_fn!(conn_renews_short, |ctx| {
    lease_ttl(ctx, 30);
    let c = ctx.connected().await?;
    calls(ctx, &c, 2).await?;
    ctx.expect_sent(
        "lease requests (connect + one renewal per call)",
        "/v1/leases",
        3,
    )
});

sdk_fn!(conn_keeps_long, |ctx| {
    lease_ttl(ctx, 600);
    let c = ctx.connected().await?;
    calls(ctx, &c, 3).await?;
    ctx.expect_sent("lease requests", "/v1/leases", 1)
});

sdk_fn!(conn_renew_no_agent, |ctx| {
    lease_ttl(ctx, 30);
    let c = ctx.client(json!({"agent_id": null})).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    calls(ctx, &c, 1).await?;
    ctx.expect_sent("lease requests (connect + renewal)", "/v1/leases", 2)
});

sdk_fn!(conn_coalesced, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-coalesce"})).await?;
    let r = ctx.ok(json!({"cmd": "execute_many", "client": c, "action_id": ACTION, "params": params(), "count": 5})).await?;
    let ok = r["results"]
        .as_array()
        .map_or(0, |a| a.iter().filter(|x| x.get("ok").is_some()).count());
    ensure_eq("concurrent first calls that succeeded", 5, ok)?;
    ctx.expect_sent("lease requests", "/v1/leases", 1)
});

sdk_fn!(conn_failure_not_cached, |ctx| {
    ctx.tap.once(
        "/v1/leases",
        respond_json(503, json!({"error": "draining"})),
    );
    let c = ctx.client(json!({"agent_id": "agent-retry"})).await?;
    ctx.exec_err(&c, "Unavailable").await?;
    exec(ctx, &c).await?;
    ctx.expect_sent("lease requests (failed + fresh attempt)", "/v1/leases", 2)
});

sdk_fn!(conn_same_params, |ctx| {
    lease_ttl(ctx, 30);
    let c = ctx.client(json!({})).await?;
    ctx.ok(json!({"cmd": "connect", "client": c, "scopes": ["tools:call", "email:send"], "max_calls": 5})).await?;
    exec(ctx, &c).await?;
    let leases = ctx.leases();
    ensure_eq("lease requests", 2, leases.len())?;
    let strip = |e: &super::tap::Entry| {
        let mut v = e.json().unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("dpop_jwk");
        }
        v
    };
    ensure_eq(
        "renewal body apart from dpop_jwk",
        strip(&leases[0]),
        strip(&leases[1]),
    )
});

sdk_fn!(conn_session_update, |ctx| {
    lease_ttl(ctx, 30);
    let c = ctx.connected().await?;
    let first = ctx.ok(json!({"cmd": "session", "client": c})).await?;
    exec(ctx, &c).await?;
    let second = ctx.ok(json!({"cmd": "session", "client": c})).await?;
    ensure(
        first["session_id"] != second["session_id"] && second["session_id"].is_string(),
        || {
            format!(
                "session_id did not change with the renewal: {} then {}",
                first["session_id"], second["session_id"]
            )
        },
    )?;
    ensure(first["lease_jti"] != second["lease_jti"], || {
        "lease_jti did not change with the renewal".into()
    })
});

/// A client connected with a lease that needs renewing, whose renewal the gate will refuse
/// with `status` and error `code`.
async fn renewal_refused(ctx: &mut SdkCtx, status: u16, code: &str) -> Check<String> {
    lease_ttl(ctx, 30);
    let c = ctx.connected().await?;
    // The short-expiry rewrite would match the renewal first: the renewal gets the refusal.
    ctx.tap.clear_rules();
    ctx.tap
        .once("/v1/leases", respond_json(status, json!({"error": code})));
    Ok(c)
}

sdk_fn!(conn_renewal_unavailable, |ctx| {
    let c = renewal_refused(ctx, 503, "draining").await?;
    exec(ctx, &c).await?;
    let renewal = ctx.leases().get(1).map(|l| (l.status, l.forwarded));
    ensure_eq(
        "the renewal the call tried first (status, reached the gate)",
        Some((Some(503), false)),
        renewal,
    )?;
    ctx.expect_sent("execute requests", "/execute", 1)
});

sdk_fn!(conn_renewal_denied, |ctx| {
    let c = renewal_refused(ctx, 403, "scope_not_permitted").await?;
    ctx.exec_err(&c, "Denied").await?;
    ctx.expect_sent("execute requests after a denied renewal", "/execute", 0)
});

sdk_fn!(conn_discard_invalid, |ctx| {
    let c = ctx.connected().await?;
    ctx.tap.once(
        "/execute",
        respond_json(401, json!({"error": "invalid_lease"})),
    );
    ctx.exec_err(&c, "AuthError").await?;
    ctx.expect_sent(
        "execute requests for the failed call (no automatic retry)",
        "/execute",
        1,
    )?;
    exec(ctx, &c).await?;
    ctx.expect_sent(
        "lease requests (connect + re-lease after invalid_lease)",
        "/v1/leases",
        2,
    )
});

sdk_fn!(conn_poll_401_keeps, |ctx| {
    let c = ctx.connected().await?;
    ctx.tap
        .once("/poll", super::tap::respond_raw(401, None, b""));
    ctx.err(json!({"cmd": "get_approval_status", "client": c, "approval_id": "01900000-0000-7000-8000-000000000001"}), "AuthError").await?;
    exec(ctx, &c).await?;
    ctx.expect_sent("lease requests", "/v1/leases", 1)
});

sdk_fn!(proof_iat_current, |ctx| {
    let (_, p) = executed_proof(ctx).await?;
    let iat = p["iat"]
        .as_i64()
        .ok_or_else(|| Failure::fail(format!("iat is not an integer: {}", p["iat"])))?;
    let now = ctx.env.now();
    ensure(iat >= now - 60 && iat <= now + 5, || {
        format!("proof iat {iat} is outside [now - 60, now + 5] of the gate's clock ({now})")
    })
});
