//! Lease issuance, execute pipeline and budget scenarios.

use super::{
    approval_params, exec_params, expect_error, expect_status, GateCtx, GateFn, Lease, Listener,
    DENIED_ACTION, EXEC_ACTION,
};
use crate::check::{ensure, ensure_eq, Check, Failure};
use crate::http::RawRequest;
use latchgate::crypto::b64;
use serde_json::{json, Value};

pub(super) fn lookup(id: &str) -> Option<GateFn> {
    Some(match id {
        "lease.issue.ok" => lease_issue_ok,
        "lease.issue.session-per-lease" => lease_session_per_lease,
        "lease.jwks.published" => lease_jwks_published,
        "exec.ok.body" => exec_ok_body,
        "exec.ok.no-content-type-needed" => exec_no_content_type,
        "exec.schema.invalid-json" => exec_invalid_json,
        "exec.schema.violation" => exec_schema_violation,
        "exec.order.auth-before-lookup" => exec_auth_before_lookup,
        "exec.order.lookup-before-schema" => exec_lookup_before_schema,
        "exec.order.schema-before-policy" => exec_schema_before_policy,
        "exec.policy.denied-body" => exec_policy_denied_body,
        "exec.rate-limit.retry-after" => exec_rate_limit,
        "budget.exhaustion.policy-denied" => budget_exhaustion,
        "budget.born-exhausted.empty-object" => budget_born_empty,
        "budget.born-exhausted.zero" => budget_born_zero,
        "budget.cost-member-ignored" => budget_cost_ignored,
        "budget.per-lease" => budget_per_lease,
        "budget.unbudgeted-lease-unlimited" => budget_unlimited,
        "budget.concurrency.exact" => budget_concurrency,
        "budget.pending-not-debited" => budget_pending_not_debited,
        _ => return None,
    })
}

fn jwt_part(jwt: &str, i: usize) -> Check<Value> {
    let seg = jwt
        .split('.')
        .nth(i)
        .ok_or_else(|| Failure::fail("lease_jwt is not a compact JWT"))?;
    let bytes = b64::decode(seg).map_err(|e| {
        Failure::fail(format!(
            "lease_jwt segment {i} is not base64url: {}",
            e.reason()
        ))
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Failure::fail(format!("lease_jwt segment {i} is not JSON: {e}")))
}

/// Fails unless the answer is the gate's budget-exhaustion surface.
pub(super) fn expect_exhausted(resp: &crate::http::RawResponse) -> Check {
    expect_status(resp, 403, "budget exhaustion")?;
    let code = resp.code().unwrap_or_default();
    let reason = resp
        .json()
        .and_then(|v| v["deny_reason"].as_str().map(str::to_string))
        .unwrap_or_default();
    ensure(
        code == "budget_exhausted"
            || (code == "policy_denied" && reason.starts_with("budget exhausted")),
        || format!("403 is not budget exhaustion: code {code}, deny_reason '{reason}'"),
    )
}

scenario_fn!(lease_issue_ok, |ctx| {
    let lease = ctx.lease().await?;
    let b = &lease.body;
    let keys: Vec<&str> = b
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    for k in ["lease_jwt", "session_id", "lease_jti", "expires_at"] {
        ensure(b[k].as_str().is_some_and(|s| !s.is_empty()), || {
            format!("lease body member {k} missing or empty ({keys:?})")
        })?;
    }
    let exp = b["expires_at"].as_str().unwrap_or_default();
    ensure(
        exp.len() == 20 && exp.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(exp).is_ok(),
        || format!("expires_at '{exp}' is not YYYY-MM-DDTHH:MM:SSZ"),
    )?;
    let header = jwt_part(&lease.jwt, 0)?;
    ensure_eq("lease JWT alg", json!("ES256"), header["alg"].clone())?;
    ensure(header["kid"].is_string(), || {
        "lease JWT header has no kid".into()
    })?;
    let claims = jwt_part(&lease.jwt, 1)?;
    ensure_eq(
        "cnf.jkt is the thumbprint of dpop_jwk",
        json!(lease.key.thumbprint()),
        claims["cnf"]["jkt"].clone(),
    )?;
    ensure_eq(
        "aud is the string latchgate",
        json!("latchgate"),
        claims["aud"].clone(),
    )?;
    ensure(claims["scope"].is_array(), || {
        format!("scope claim must be an array, got {}", claims["scope"])
    })?;
    ensure_eq(
        "jti claim equals lease_jti",
        b["lease_jti"].clone(),
        claims["jti"].clone(),
    )?;
    ensure_eq(
        "session_id claim equals session_id",
        b["session_id"].clone(),
        claims["session_id"].clone(),
    )
});

scenario_fn!(lease_session_per_lease, |ctx| {
    let a = ctx.lease().await?;
    let b = ctx.lease().await?;
    ensure(a.session_id() != b.session_id(), || {
        format!("two leases share session_id {}", a.session_id())
    })?;
    ensure(a.body["lease_jti"] != b.body["lease_jti"], || {
        "two leases share lease_jti".into()
    })
});

scenario_fn!(lease_jwks_published, |ctx| {
    let lease = ctx.lease().await?;
    let resp = ctx
        .send(
            Listener::Client,
            RawRequest::new("GET", "/.well-known/jwks.json"),
        )
        .await?;
    expect_status(&resp, 200, "jwks")?;
    let jwks = resp.json().unwrap_or_default();
    let keys = jwks["keys"].as_array().cloned().unwrap_or_default();
    ensure_eq("number of JWKS keys", 1, keys.len())?;
    let k = &keys[0];
    ensure_eq(
        "JWKS key kid equals the lease kid",
        jwt_part(&lease.jwt, 0)?["kid"].clone(),
        k["kid"].clone(),
    )?;
    let jwk = latchgate::crypto::jwk::EcPublicJwk {
        kty: k["kty"].as_str().unwrap_or_default().into(),
        crv: k["crv"].as_str().unwrap_or_default().into(),
        x: k["x"].as_str().unwrap_or_default().into(),
        y: k["y"].as_str().unwrap_or_default().into(),
    };
    let vk = jwk
        .to_verifying_key()
        .map_err(|e| Failure::fail(format!("JWKS key is not a P-256 key: {e}")))?;
    let parts: Vec<&str> = lease.jwt.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err(Failure::fail(format!(
            "lease_jwt has {} segments, not 3",
            parts.len()
        )));
    };
    ensure(
        latchgate::crypto::dpop::verify_segments(&vk, header, payload, signature),
        || "the lease JWT signature does not verify with the published key".into(),
    )
});

async fn exec_ok(ctx: &mut GateCtx) -> Check<Value> {
    let lease = ctx.lease().await?;
    let resp = ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?;
    expect_status(&resp, 200, "execute of an allowed low-risk action")?;
    resp.json()
        .ok_or_else(|| Failure::fail("execute 200 body is not JSON"))
}

scenario_fn!(exec_ok_body, |ctx| {
    let body = exec_ok(ctx).await?;
    let keys: Vec<String> = body
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
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

scenario_fn!(exec_invalid_json, |ctx| {
    let resp = exec_raw(ctx, EXEC_ACTION, b"{not json").await?;
    expect_bare_schema_violation(&resp)
});

scenario_fn!(exec_schema_violation, |ctx| {
    let resp = exec_raw(ctx, EXEC_ACTION, b"{}").await?;
    expect_bare_schema_violation(&resp)
});

scenario_fn!(exec_auth_before_lookup, |ctx| {
    let lease = ctx.lease().await?;
    let path = "/v1/actions/lgc_no_such_action/execute";
    let mut proof = ctx.proof_for(&lease.key, "GET", path, &lease.jwt);
    proof.claims["htm"] = json!("GET");
    let req = ctx.with_proof(&lease, "POST", path, &proof);
    let resp = ctx.send(Listener::Client, req).await?;
    expect_error(&resp, 401, "invalid_dpop").map(|_| ())
});

scenario_fn!(exec_lookup_before_schema, |ctx| {
    let resp = exec_raw(ctx, "lgc_no_such_action", b"{not json").await?;
    expect_error(&resp, 404, "action_not_found").map(|_| ())
});

scenario_fn!(exec_schema_before_policy, |ctx| {
    let resp = exec_raw(ctx, DENIED_ACTION, b"{not json").await?;
    expect_bare_schema_violation(&resp)
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

async fn budget_lease(ctx: &mut GateCtx, budgets: Value) -> Check<Lease> {
    ctx.lease_with(json!({"budgets": budgets})).await
}

scenario_fn!(budget_exhaustion, |ctx| {
    let lease = budget_lease(ctx, json!({"max_calls": 1})).await?;
    let first = ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?;
    expect_status(&first, 200, "first call under max_calls 1")?;
    let second = ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?;
    let body = expect_error(&second, 403, "policy_denied")?;
    ensure_eq(
        "deny_reason",
        json!("budget exhausted: no calls remaining"),
        body["deny_reason"].clone(),
    )
});

scenario_fn!(budget_born_empty, |ctx| {
    let lease = budget_lease(ctx, json!({})).await?;
    let resp = ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?;
    expect_exhausted(&resp)
});

scenario_fn!(budget_born_zero, |ctx| {
    let lease = budget_lease(ctx, json!({"max_calls": 0})).await?;
    let resp = ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?;
    expect_exhausted(&resp)
});

scenario_fn!(budget_cost_ignored, |ctx| {
    let lease = budget_lease(ctx, json!({"max_calls": 2, "max_cost_usd_cents": 1})).await?;
    for i in 1..=2 {
        let r = ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?;
        expect_status(&r, 200, &format!("call {i} of 2"))?;
    }
    let third = ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?;
    expect_exhausted(&third)
});

scenario_fn!(budget_per_lease, |ctx| {
    let a = budget_lease(ctx, json!({"max_calls": 1})).await?;
    expect_status(
        &ctx.execute(&a, EXEC_ACTION, &exec_params()).await?,
        200,
        "first lease, first call",
    )?;
    expect_exhausted(&ctx.execute(&a, EXEC_ACTION, &exec_params()).await?)?;
    let b = budget_lease(ctx, json!({"max_calls": 1})).await?;
    expect_status(
        &ctx.execute(&b, EXEC_ACTION, &exec_params()).await?,
        200,
        "second lease, first call",
    )
});

scenario_fn!(budget_unlimited, |ctx| {
    let lease = ctx.lease().await?;
    for i in 1..=5 {
        expect_status(
            &ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?,
            200,
            &format!("unbudgeted call {i}"),
        )?;
    }
    Ok(())
});

scenario_fn!(budget_concurrency, |ctx| {
    let lease = budget_lease(ctx, json!({"max_calls": 5})).await?;
    let path = format!("/v1/actions/{EXEC_ACTION}/execute");
    let env = ctx.env.client.clone();
    let reqs: Vec<RawRequest> = (0..15)
        .map(|_| {
            ctx.agent_request(&lease, "POST", &path)
                .0
                .json(&exec_params())
        })
        .collect();
    let answers = futures::future::join_all(
        reqs.iter()
            .map(|r| crate::http::send(&env, r, std::time::Duration::from_secs(20))),
    )
    .await;
    let mut ok = 0;
    for a in &answers {
        let r = a
            .as_ref()
            .map_err(|e| Failure::fail(format!("a concurrent call got no answer: {e}")))?;
        match r.status {
            200 => ok += 1,
            403 => expect_exhausted(r)?,
            s => {
                return Err(Failure::mismatch(
                    "status of a concurrent call",
                    "200 or 403 exhaustion",
                    format!("{s} {}", r.text()),
                ))
            }
        }
    }
    ensure_eq("calls that succeeded under max_calls 5", 5, ok)
});

scenario_fn!(budget_pending_not_debited, |ctx| {
    let lease = budget_lease(ctx, json!({"max_calls": 1})).await?;
    expect_status(
        &ctx.execute(&lease, EXEC_ACTION, &approval_params()).await?,
        202,
        "call needing approval",
    )?;
    expect_status(
        &ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?,
        200,
        "allowed call after the 202",
    )
});
