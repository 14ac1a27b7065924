//! `sdk.lease.*`: the lease request the SDK sends and the lease answer it reads.

use super::tap::{Action, Rule};
use super::{exec, SdkCtx};
use crate::check::{ensure, ensure_eq, Check, Failure};
use serde_json::{json, Value};
use std::sync::Arc;

sdk_fn!(lease_request_shape, |ctx| {
    ctx.connected().await?;
    let l = ctx.first_sent("/v1/leases", "connect sent no lease request")?;
    ensure_eq("lease method", "POST", l.method.as_str())?;
    ensure(
        l.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        || format!("lease Content-Type is {:?}", l.header("content-type")),
    )?;
    ensure(l.json().is_some_and(|v| v.is_object()), || {
        "lease body is not a JSON object".into()
    })?;
    ensure(
        l.header("authorization").is_none() && l.header("dpop").is_none(),
        || "the lease request carries Authorization or DPoP".into(),
    )?;
    ensure_eq("gate's answer", Some(200), l.status)
});

fn body_keys(e: &super::tap::Entry) -> Vec<String> {
    e.json()
        .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
        .unwrap_or_default()
}

sdk_fn!(lease_body_members, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-conformance"})).await?;
    ctx.ok(json!({"cmd": "connect", "client": c, "max_calls": 5}))
        .await?;
    let l = ctx.first_lease()?;
    let keys = body_keys(&l);
    let allowed = ["scopes", "dpop_jwk", "budgets", "fs_root"];
    ensure(keys.iter().all(|k| allowed.contains(&k.as_str())), || {
        format!("lease body members {keys:?} go beyond {allowed:?}")
    })?;
    ensure(
        keys.contains(&"scopes".into()) && keys.contains(&"dpop_jwk".into()),
        || format!("scopes or dpop_jwk missing: {keys:?}"),
    )
});

async fn scopes_sent(ctx: &mut SdkCtx, scopes: Option<Value>) -> Check<Value> {
    let c = ctx.client(json!({})).await?;
    let mut cmd = json!({"cmd": "connect", "client": c});
    if let Some(s) = scopes {
        cmd["scopes"] = s;
    }
    ctx.ok(cmd).await?;
    let l = ctx.first_lease()?;
    Ok(l.json().map(|v| v["scopes"].clone()).unwrap_or_default())
}

sdk_fn!(lease_default_scopes, |ctx| {
    let sent = scopes_sent(ctx, None).await?;
    ensure_eq(
        "scopes sent when none are given",
        json!(["tools:call"]),
        sent,
    )
});

sdk_fn!(lease_scopes_verbatim, |ctx| {
    let want = json!(["audit:read", "tools:call", "tools:call"]);
    let sent = scopes_sent(ctx, Some(want.clone())).await?;
    ensure_eq("scopes sent", want, sent)
});

/// A new client connects with `member` set to `value`; the SDK must refuse it with
/// InvalidInput before any I/O. `what` names the call.
async fn connect_refused(ctx: &mut SdkCtx, member: &str, value: Value, what: &str) -> Check {
    let c = ctx.client(json!({})).await?;
    let mut connect = json!({"cmd": "connect", "client": c});
    connect[member] = value;
    ctx.err_before_io(connect, "InvalidInput", what).await
}

sdk_fn!(lease_empty_scopes, |ctx| {
    let what = "connect with an empty scope list";
    connect_refused(ctx, "scopes", json!([]), what).await
});

sdk_fn!(lease_budget_shape, |ctx| {
    let c = ctx.client(json!({})).await?;
    ctx.ok(json!({"cmd": "connect", "client": c, "max_calls": 3}))
        .await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    let leases = ctx.leases();
    ensure_eq("lease requests (two connects)", 2, leases.len())?;
    ensure_eq(
        "budgets with max_calls 3",
        json!({"max_calls": 3}),
        leases[0].json().unwrap_or_default()["budgets"].clone(),
    )?;
    ensure(
        leases
            .get(1)
            .is_some_and(|l| !body_keys(l).contains(&"budgets".to_string())),
        || "a connect without max_calls sent a budgets member".into(),
    )
});

sdk_fn!(lease_budget_invalid, |ctx| {
    let c = ctx.client(json!({})).await?;
    let before = ctx.tap.io();
    for n in [0, -1] {
        ctx.err(
            json!({"cmd": "connect", "client": c, "max_calls": n}),
            "InvalidInput",
        )
        .await?;
    }
    ctx.no_io_since(before, "connect with max_calls 0 or -1")
});

sdk_fn!(lease_fs_root_relative, |ctx| {
    let what = "connect with a relative fs_root";
    connect_refused(ctx, "fs_root", json!("relative/dir"), what).await
});

sdk_fn!(lease_missing_member, |ctx| {
    let c = ctx.client(json!({})).await?;
    let strip = |mut v: Value| {
        if let Some(o) = v.as_object_mut() {
            o.remove("expires_at");
        }
        v
    };
    ctx.tap.once("/v1/leases", Action::Rewrite(Arc::new(strip)));
    ctx.err(json!({"cmd": "connect", "client": c}), "ProtocolError")
        .await?;
    let s = ctx.ok(json!({"cmd": "session", "client": c})).await?;
    ensure(s["session_id"].is_null(), || {
        format!(
            "a rejected lease answer left session_id {}",
            s["session_id"]
        )
    })
});

sdk_fn!(lease_fractional, |ctx| {
    let c = ctx.client(json!({})).await?;
    let f = |mut v: Value| {
        let at = chrono::Utc::now() + chrono::Duration::seconds(300);
        v["expires_at"] = json!(at
            .with_timezone(&chrono::FixedOffset::east_opt(3600).expect("offset"))
            .format("%Y-%m-%dT%H:%M:%S%.3f+01:00")
            .to_string());
        v
    };
    ctx.tap
        .rule(Rule::on("/v1/leases", Action::Rewrite(Arc::new(f))));
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    exec(ctx, &c).await?;
    ctx.expect_sent(
        "lease requests (a 300 s lease is not renewed)",
        "/v1/leases",
        1,
    )
});

sdk_fn!(lease_accessors, |ctx| {
    let c = ctx.client(json!({})).await?;
    let before = ctx.ok(json!({"cmd": "session", "client": c})).await?;
    ensure(
        before["session_id"].is_null()
            && before["lease_jti"].is_null()
            && before["expires_at"].is_null(),
        || format!("accessors before connect: {before}"),
    )?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    let after = ctx.ok(json!({"cmd": "session", "client": c})).await?;
    let lease = ctx.first_lease()?;
    let answer = lease
        .response_json()
        .ok_or_else(|| Failure::fail("the lease answer is not JSON"))?;
    for member in ["session_id", "lease_jti"] {
        ensure_eq(member, answer[member].clone(), after[member].clone())?;
    }
    let got = after["expires_at"]
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
    let want = answer["expires_at"]
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
    ensure(got.is_some() && got == want, || {
        format!(
            "expires_at accessor {} vs the gate's {}",
            after["expires_at"], answer["expires_at"]
        )
    })
});

sdk_fn!(lease_agent_id_local, |ctx| {
    let marker = "agent-id-marker-7f3a";
    let c = ctx.client(json!({"agent_id": marker})).await?;
    exec(ctx, &c).await?;
    ensure(
        !ctx.leases().is_empty() && !ctx.sent("/execute").is_empty(),
        || {
            "the lease and execute requests that could carry the agent id never reached the gate"
                .into()
        },
    )?;
    for e in ctx.journal() {
        let all = format!(
            "{} {:?} {}",
            e.target,
            e.headers,
            String::from_utf8_lossy(&e.body)
        );
        ensure(!all.contains(marker), || {
            format!("agent_id was sent: {}", e.line())
        })?;
    }
    Ok(())
});
