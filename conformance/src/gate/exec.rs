//! `exec.*`: the execute pipeline — the success body, schema checks, the order of the checks,
//! policy denial, the per-peer rate limit.

use super::{
    exec_params, expect_error, expect_status, GateCtx, Listener, DENIED_ACTION, EXEC_ACTION,
};
use crate::check::{ensure, ensure_eq, members, Check, Failure};
use crate::http::RawRequest;
use serde_json::{json, Value};

async fn exec_ok(ctx: &mut GateCtx) -> Check<Value> {
    let lease = ctx.lease().await?;
    let resp = ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?;
    expect_status(&resp, 200, "execute of an allowed low-risk action")?;
    resp.json()
        .ok_or_else(|| Failure::fail("execute 200 body is not JSON"))
}

scenario_fn!(exec_ok_body, |ctx| {
    let body = exec_ok(ctx).await?;
    let keys = members(&body);
    ensure_eq("decision", json!("executed"), body["decision"].clone())?;
    for k in [
        "trace_id",
        "action_id",
        "grant_id",
        "receipt_id",
        "verification_outcome",
    ] {
        ensure(body[k].is_string(), || {
            format!("member {k} must be a string ({keys:?})")
        })?;
    }
    ensure(body.get("output").is_some(), || {
        "member output missing".into()
    })?;
    ensure(
        body["verification"]["is_fully_successful"].is_boolean(),
        || "verification.is_fully_successful must be a boolean".into(),
    )?;
    ensure_eq(
        "verification.outcome equals verification_outcome",
        body["verification_outcome"].clone(),
        body["verification"]["outcome"].clone(),
    )?;
    ensure(body["runtime"]["duration_ms"].is_u64(), || {
        "runtime.duration_ms must be an integer".into()
    })
});

scenario_fn!(exec_no_content_type, |ctx| {
    let lease = ctx.lease().await?;
    let (mut req, _) = ctx.agent_request(
        &lease,
        "POST",
        &format!("/v1/actions/{EXEC_ACTION}/execute"),
    );
    req.body = serde_json::to_vec(&exec_params()).unwrap_or_default();
    let resp = ctx.send(Listener::Client, req).await?;
    expect_status(&resp, 200, "execute without Content-Type")
});

async fn exec_raw(ctx: &mut GateCtx, action: &str, body: &[u8]) -> Check<crate::http::RawResponse> {
    let lease = ctx.lease().await?;
    let (mut req, _) = ctx.agent_request(&lease, "POST", &format!("/v1/actions/{action}/execute"));
    req.body = body.to_vec();
    ctx.send(
        Listener::Client,
        req.header("content-type", "application/json"),
    )
    .await
}

fn expect_bare_schema_violation(resp: &crate::http::RawResponse) -> Check {
    let body = expect_error(resp, 422, "schema_violation")?;
    ensure_eq(
        "members of a schema_violation body",
        1,
        body.as_object().map_or(0, |o| o.len()),
    )
}

/// Fails unless executing `action` with the raw `body` gets the bare `schema_violation`.
async fn raw_body_refused(ctx: &mut GateCtx, action: &str, body: &[u8]) -> Check {
    expect_bare_schema_violation(&exec_raw(ctx, action, body).await?)
}

scenario_fn!(exec_invalid_json, |ctx| {
    raw_body_refused(ctx, EXEC_ACTION, b"{not json").await
});

scenario_fn!(exec_schema_violation, |ctx| {
    raw_body_refused(ctx, EXEC_ACTION, b"{}").await
});

async fn fetch_failing_in_the_provider(ctx: &mut GateCtx, url: &str) -> Check {
    let lease = ctx.lease().await?;
    let resp = ctx
        .execute(&lease, "http_fetch", &json!({ "url": url }))
        .await?;
    expect_bare_schema_violation(&resp)
}

scenario_fn!(exec_unparseable_url, |ctx| {
    fetch_failing_in_the_provider(ctx, "not a url").await
});

scenario_fn!(exec_url_without_host, |ctx| {
    fetch_failing_in_the_provider(ctx, "file:///etc/passwd").await
});

scenario_fn!(exec_auth_before_lookup, |ctx| {
    let lease = ctx.lease().await?;
    let path = "/v1/actions/lgc_no_such_action/execute";
    let mut proof = ctx.proof_for(&lease.key, "GET", path, &lease.jwt);
    proof.claims["htm"] = json!("GET");
    let req = ctx.with_proof(&lease, "POST", path, &proof);
    ctx.refused(req, 401, "invalid_dpop").await
});

scenario_fn!(exec_lookup_before_schema, |ctx| {
    let resp = exec_raw(ctx, "lgc_no_such_action", b"{not json").await?;
    expect_error(&resp, 404, "action_not_found").map(|_| ())
});

scenario_fn!(exec_schema_before_policy, |ctx| {
    raw_body_refused(ctx, DENIED_ACTION, b"{not json").await
});

scenario_fn!(exec_policy_denied_body, |ctx| {
    let lease = ctx.lease().await?;
    let resp = ctx
        .execute(
            &lease,
            DENIED_ACTION,
            &json!({"url": "https://httpbin.org/post", "body": "x"}),
        )
        .await?;
    let body = expect_error(&resp, 403, "policy_denied")?;
    for k in ["deny_reason", "principal", "action_id", "remediation"] {
        ensure(body[k].is_string(), || {
            format!("policy_denied body lacks {k}: {body}")
        })?;
    }
    ensure_eq(
        "action_id of the denial",
        json!(DENIED_ACTION),
        body["action_id"].clone(),
    )
});

scenario_fn!(exec_rate_limit, |ctx| {
    let lease = ctx.lease().await?;
    let path = "/v1/actions/lgc_no_such_action/execute";
    let env = ctx.env.client.clone();
    let reqs: Vec<RawRequest> = (0..60)
        .map(|_| ctx.agent_request(&lease, "POST", path).0)
        .collect();
    let answers = futures::future::join_all(
        reqs.iter()
            .map(|r| crate::http::send(&env, r, std::time::Duration::from_secs(10))),
    )
    .await;
    let limited = answers.iter().flatten().find(|r| r.status == 429).cloned();
    let resp = limited
        .ok_or_else(|| Failure::fail("60 concurrent executes on one session never met 429"))?;
    expect_error(&resp, 429, "rate_limited")?;
    ensure_eq("retry-after header", Some("1"), resp.header("retry-after"))
});
