//! Discovery, health, generic HTTP behaviour and admin-listener scenarios.

use super::{
    exec_params, expect_empty, expect_error, expect_status, expect_text, GateFn, Listener,
    EXEC_ACTION,
};
use crate::check::{ensure, ensure_eq, Failure};
use crate::http::RawRequest;
use serde_json::{json, Value};

pub(super) fn lookup(id: &str) -> Option<GateFn> {
    Some(match id {
        "disc.actions.list" => actions_list,
        "disc.action.detail" => action_detail,
        "disc.action.unknown" => action_unknown,
        "disc.proof-not-consumed" => proof_not_consumed,
        "health.endpoints" => health,
        "http.unknown-path" => unknown_path,
        "http.wrong-method" => wrong_method,
        "http.body-limit" => body_limit,
        "admin.receipt.agent-lease-refused" => admin_receipt_agent,
        "admin.route.absent-on-client" => admin_absent_on_client,
        "admin.drain.irreversible" => drain,
        _ => return None,
    })
}

scenario_fn!(actions_list, |ctx| {
    let resp = ctx
        .send(Listener::Client, RawRequest::new("GET", "/v1/actions"))
        .await?;
    expect_status(&resp, 200, "list actions without auth")?;
    let body = resp.json().unwrap_or_default();
    let actions = body["actions"]
        .as_array()
        .cloned()
        .ok_or_else(|| Failure::fail(format!("no actions array: {body}")))?;
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
    let resp = ctx
        .send(
            Listener::Client,
            RawRequest::new("GET", "/v1/actions/http_fetch"),
        )
        .await?;
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
        .send(
            Listener::Client,
            RawRequest::new("GET", "/v1/actions/lgc_no_such_action"),
        )
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
    expect_error(
        &ctx.send(Listener::Client, req).await?,
        404,
        "action_not_found",
    )
    .map(|_| ())
});

scenario_fn!(health, |ctx| {
    let h = ctx
        .send(Listener::Client, RawRequest::new("GET", "/healthz"))
        .await?;
    expect_status(&h, 200, "healthz")?;
    ensure_eq("healthz body", Some(json!({"status": "ok"})), h.json())?;
    let r = ctx
        .send(Listener::Client, RawRequest::new("GET", "/readyz"))
        .await?;
    expect_status(&r, 200, "readyz")?;
    let body = r.json().unwrap_or_default();
    for k in ["redis", "opa", "ledger", "approval_store"] {
        ensure(body[k].is_boolean(), || {
            format!("readyz.{k} must be a boolean: {body}")
        })?;
    }
    ensure(body["actions_registered"].as_u64().unwrap_or(0) > 0, || {
        "readyz.actions_registered must be > 0".into()
    })
});

scenario_fn!(unknown_path, |ctx| {
    let resp = ctx
        .send(
            Listener::Client,
            RawRequest::new("GET", "/v1/no-such-route"),
        )
        .await?;
    expect_empty(&resp, 404)
});

scenario_fn!(wrong_method, |ctx| {
    let resp = ctx
        .send(Listener::Client, RawRequest::new("GET", "/v1/leases"))
        .await?;
    expect_empty(&resp, 405)
});

scenario_fn!(body_limit, |ctx| {
    let mut req = RawRequest::new("POST", "/v1/leases").header("content-type", "application/json");
    let filler = "a".repeat(1_048_600);
    req.body =
        serde_json::to_vec(&json!({"scopes": ["tools:call"], "pad": filler})).unwrap_or_default();
    let resp = ctx.send(Listener::Client, req).await?;
    expect_text(&resp, 413)
});

scenario_fn!(admin_receipt_agent, |ctx| {
    let lease = ctx.lease().await?;
    let exec = ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?;
    expect_status(&exec, 200, "execute")?;
    let rid = exec.json().unwrap_or_default()["receipt_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (req, _) = ctx.agent_request(&lease, "GET", &format!("/v1/receipts/{rid}"));
    let resp = ctx.send(Listener::Admin, req).await?;
    expect_error(&resp, 401, "unauthorized").map(|_| ())
});

scenario_fn!(admin_absent_on_client, |ctx| {
    for path in ["/v1/approvals", "/v1/receipt-keys", "/v1/admin/status"] {
        let resp = ctx
            .send(Listener::Client, RawRequest::new("GET", path))
            .await?;
        expect_empty(&resp, 404).map_err(|f| match f {
            Failure::Fail(mut e) => {
                e.message = format!("{path} on the client listener: {}", e.message);
                Failure::Fail(e)
            }
            s => s,
        })?;
    }
    Ok(())
});

scenario_fn!(drain, |ctx| {
    let lease = ctx.lease().await?;
    let pend = ctx
        .execute(&lease, EXEC_ACTION, &super::approval_params())
        .await?;
    expect_status(&pend, 202, "a call needing approval before the drain")?;
    let id = pend.json().unwrap_or_default()["approval_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let d = ctx.operator("POST", "/v1/admin/drain").await?;
    expect_status(&d, 200, "drain")?;
    ensure_eq(
        "draining",
        Some(json!(true)),
        d.json().map(|v: Value| v["draining"].clone()),
    )?;
    let body = json!({"scopes": ["tools:call"], "dpop_jwk": latchgate::crypto::dpop::DpopKey::generate().public_jwk()});
    let l = ctx
        .send(
            Listener::Client,
            RawRequest::new("POST", "/v1/leases").json(&body),
        )
        .await?;
    expect_error(&l, 503, "draining")?;
    let e = ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?;
    expect_error(&e, 503, "draining")?;
    let deny = ctx
        .operator("POST", &format!("/v1/approvals/{id}/deny"))
        .await?;
    expect_status(&deny, 200, "deny while draining")
});
