//! SDK scenarios: keys, lease requests and responses, connection and renewal.

use super::tap::{respond_json, Action, Rule};
use super::{exec, params, SdkCtx, SdkFn, ACTION};
use crate::check::{ensure, ensure_eq, Check, Failure};
use serde_json::{json, Value};
use std::sync::Arc;

pub(super) fn lookup(id: &str) -> Option<SdkFn> {
    Some(match id {
        "sdk.key.fresh-per-lease" => key_fresh,
        "sdk.key.jwk-members" => key_members,
        "sdk.lease.request-shape" => lease_request_shape,
        "sdk.lease.body-members" => lease_body_members,
        "sdk.lease.default-scopes" => lease_default_scopes,
        "sdk.lease.scopes-verbatim" => lease_scopes_verbatim,
        "sdk.lease.empty-scopes" => lease_empty_scopes,
        "sdk.lease.budget-shape" => lease_budget_shape,
        "sdk.lease.budget-invalid" => lease_budget_invalid,
        "sdk.lease.fs-root-relative" => lease_fs_root_relative,
        "sdk.lease.response-missing-member" => lease_missing_member,
        "sdk.lease.response-fractional-expiry" => lease_fractional,
        "sdk.lease.accessors" => lease_accessors,
        "sdk.lease.agent-id-local" => lease_agent_id_local,
        "sdk.conn.lazy-connect" => conn_lazy,
        "sdk.conn.not-connected" => conn_not_connected,
        "sdk.conn.renews-short-lease" => conn_renews_short,
        "sdk.conn.keeps-long-lease" => conn_keeps_long,
        "sdk.conn.renewal-without-agent-id" => conn_renew_no_agent,
        "sdk.conn.coalesced-lease" => conn_coalesced,
        "sdk.conn.failure-not-cached" => conn_failure_not_cached,
        "sdk.conn.renewal-same-params" => conn_same_params,
        "sdk.conn.session-accessors-update" => conn_session_update,
        "sdk.conn.renewal-unavailable-proceeds" => conn_renewal_unavailable,
        "sdk.conn.renewal-denied-propagates" => conn_renewal_denied,
        "sdk.conn.discard-after-invalid-lease" => conn_discard_invalid,
        "sdk.conn.poll-401-keeps-lease" => conn_poll_401_keeps,
        _ => return None,
    })
}

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

fn dpop_jwk(e: &super::tap::Entry) -> Value {
    e.json()
        .map(|v| v["dpop_jwk"].clone())
        .unwrap_or(Value::Null)
}

sdk_fn!(key_fresh, |ctx| {
    let c = ctx.client(json!({})).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    exec(ctx, &c).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    exec(ctx, &c).await?;
    let leases = ctx.leases();
    ensure_eq("lease requests", 2, leases.len())?;
    ensure(dpop_jwk(&leases[0]) != dpop_jwk(&leases[1]), || {
        "two lease requests carried the same dpop_jwk".into()
    })?;
    let execs = ctx.sent("/execute");
    ensure_eq("execute requests", 2, execs.len())?;
    for (i, (e, lease)) in execs.iter().zip(&leases).enumerate() {
        let (h, _) = super::proofs::decode(e)?;
        ensure_eq(
            &format!("proof jwk of call {} is its lease's dpop_jwk", i + 1),
            dpop_jwk(lease),
            h["jwk"].clone(),
        )?;
    }
    Ok(())
});

fn exact_jwk(what: &str, jwk: &Value) -> Check {
    let keys: Vec<&str> = jwk
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut sorted = keys.clone();
    sorted.sort();
    ensure_eq(
        &format!("{what} members"),
        vec!["crv", "kty", "x", "y"],
        sorted,
    )?;
    ensure_eq(
        &format!("{what} kty/crv"),
        json!(["EC", "P-256"]),
        json!([jwk["kty"], jwk["crv"]]),
    )?;
    for c in ["x", "y"] {
        let len = jwk[c].as_str().map_or(0, str::len);
        ensure(len == 43, || {
            format!("{what}.{c} has {len} characters, not 43")
        })?;
    }
    Ok(())
}

sdk_fn!(key_members, |ctx| {
    let c = ctx.connected().await?;
    exec(ctx, &c).await?;
    let lease = ctx
        .leases()
        .first()
        .cloned()
        .ok_or_else(|| Failure::fail("no lease request"))?;
    exact_jwk("dpop_jwk", &dpop_jwk(&lease))?;
    let e = ctx
        .sent("/execute")
        .first()
        .cloned()
        .ok_or_else(|| Failure::fail("no execute request"))?;
    let (h, _) = super::proofs::decode(&e)?;
    exact_jwk("proof header jwk", &h["jwk"])
});

sdk_fn!(lease_request_shape, |ctx| {
    ctx.connected().await?;
    let l = ctx
        .leases()
        .first()
        .cloned()
        .ok_or_else(|| Failure::fail("connect sent no lease request"))?;
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
    let l = ctx
        .leases()
        .first()
        .cloned()
        .ok_or_else(|| Failure::fail("no lease request"))?;
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
    let l = ctx
        .leases()
        .first()
        .cloned()
        .ok_or_else(|| Failure::fail("no lease request"))?;
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

sdk_fn!(lease_empty_scopes, |ctx| {
    let c = ctx.client(json!({})).await?;
    let before = ctx.tap.io();
    ctx.err(
        json!({"cmd": "connect", "client": c, "scopes": []}),
        "InvalidInput",
    )
    .await?;
    ctx.no_io_since(before, "connect with an empty scope list")
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
    let c = ctx.client(json!({})).await?;
    let before = ctx.tap.io();
    ctx.err(
        json!({"cmd": "connect", "client": c, "fs_root": "relative/dir"}),
        "InvalidInput",
    )
    .await?;
    ctx.no_io_since(before, "connect with a relative fs_root")
});

sdk_fn!(lease_missing_member, |ctx| {
    let c = ctx.client(json!({})).await?;
    let strip = |mut v: Value| {
        if let Some(o) = v.as_object_mut() {
            o.remove("expires_at");
        }
        v
    };
    ctx.tap
        .rule(Rule::on("/v1/leases", Action::Rewrite(Arc::new(strip))).times(1));
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
    ensure_eq(
        "lease requests (a 300 s lease is not renewed)",
        1,
        ctx.leases().len(),
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
    let lease = ctx
        .leases()
        .first()
        .cloned()
        .ok_or_else(|| Failure::fail("no lease request"))?;
    let answer = lease
        .response_json()
        .ok_or_else(|| Failure::fail("the lease answer is not JSON"))?;
    ensure_eq(
        "session_id",
        answer["session_id"].clone(),
        after["session_id"].clone(),
    )?;
    ensure_eq(
        "lease_jti",
        answer["lease_jti"].clone(),
        after["lease_jti"].clone(),
    )?;
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

sdk_fn!(conn_lazy, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-lazy"})).await?;
    exec(ctx, &c).await?;
    let j = ctx.journal();
    ensure_eq("lease requests", 1, ctx.leases().len())?;
    ensure(j.first().is_some_and(|e| e.path() == "/v1/leases"), || {
        "the lease was not requested before the call".into()
    })
});

sdk_fn!(conn_not_connected, |ctx| {
    let c = ctx.client(json!({})).await?;
    let before = ctx.tap.io();
    ctx.err(
        json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()}),
        "NotConnected",
    )
    .await?;
    ctx.no_io_since(before, "execute without a lease or agent id")
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
    ensure_eq(
        "lease requests (connect + one renewal per call)",
        3,
        ctx.leases().len(),
    )
});

sdk_fn!(conn_keeps_long, |ctx| {
    lease_ttl(ctx, 600);
    let c = ctx.connected().await?;
    calls(ctx, &c, 3).await?;
    ensure_eq("lease requests", 1, ctx.leases().len())
});

sdk_fn!(conn_renew_no_agent, |ctx| {
    lease_ttl(ctx, 30);
    let c = ctx.client(json!({"agent_id": null})).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    calls(ctx, &c, 1).await?;
    ensure_eq("lease requests (connect + renewal)", 2, ctx.leases().len())
});

sdk_fn!(conn_coalesced, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-coalesce"})).await?;
    let r = ctx.ok(json!({"cmd": "execute_many", "client": c, "action_id": ACTION, "params": params(), "count": 5})).await?;
    let ok = r["results"]
        .as_array()
        .map_or(0, |a| a.iter().filter(|x| x.get("ok").is_some()).count());
    ensure_eq("concurrent first calls that succeeded", 5, ok)?;
    ensure_eq("lease requests", 1, ctx.leases().len())
});

sdk_fn!(conn_failure_not_cached, |ctx| {
    ctx.tap.rule(
        Rule::on(
            "/v1/leases",
            respond_json(503, json!({"error": "draining"})),
        )
        .times(1),
    );
    let c = ctx.client(json!({"agent_id": "agent-retry"})).await?;
    ctx.err(
        json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()}),
        "Unavailable",
    )
    .await?;
    exec(ctx, &c).await?;
    ensure_eq(
        "lease requests (failed + fresh attempt)",
        2,
        ctx.leases().len(),
    )
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

sdk_fn!(conn_renewal_unavailable, |ctx| {
    lease_ttl(ctx, 30);
    let c = ctx.connected().await?;
    // The short-expiry rewrite would match the renewal first: the renewal gets the 503 instead.
    ctx.tap.clear_rules();
    ctx.tap.rule(
        Rule::on(
            "/v1/leases",
            respond_json(503, json!({"error": "draining"})),
        )
        .times(1),
    );
    exec(ctx, &c).await?;
    let renewal = ctx.leases().get(1).map(|l| (l.status, l.forwarded));
    ensure_eq(
        "the renewal the call tried first (status, reached the gate)",
        Some((Some(503), false)),
        renewal,
    )?;
    ensure_eq("execute requests", 1, ctx.sent("/execute").len())
});

sdk_fn!(conn_renewal_denied, |ctx| {
    lease_ttl(ctx, 30);
    let c = ctx.connected().await?;
    ctx.tap.clear_rules();
    ctx.tap.rule(
        Rule::on(
            "/v1/leases",
            respond_json(403, json!({"error": "scope_not_permitted"})),
        )
        .times(1),
    );
    ctx.err(
        json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()}),
        "Denied",
    )
    .await?;
    ensure_eq(
        "execute requests after a denied renewal",
        0,
        ctx.sent("/execute").len(),
    )
});

sdk_fn!(conn_discard_invalid, |ctx| {
    let c = ctx.connected().await?;
    ctx.tap.rule(
        Rule::on(
            "/execute",
            respond_json(401, json!({"error": "invalid_lease"})),
        )
        .times(1),
    );
    ctx.err(
        json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()}),
        "AuthError",
    )
    .await?;
    ensure_eq(
        "execute requests for the failed call (no automatic retry)",
        1,
        ctx.sent("/execute").len(),
    )?;
    exec(ctx, &c).await?;
    ensure_eq(
        "lease requests (connect + re-lease after invalid_lease)",
        2,
        ctx.leases().len(),
    )
});

sdk_fn!(conn_poll_401_keeps, |ctx| {
    let c = ctx.connected().await?;
    ctx.tap
        .rule(Rule::on("/poll", super::tap::respond_raw(401, None, b"")).times(1));
    ctx.err(json!({"cmd": "get_approval_status", "client": c, "approval_id": "01900000-0000-7000-8000-000000000001"}), "AuthError").await?;
    exec(ctx, &c).await?;
    ensure_eq("lease requests", 1, ctx.leases().len())
});
