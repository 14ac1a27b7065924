//! `approval.*`: approvals end to end — the pending answer, poll, approve, deny, list, and the
//! budget of the session that created the approval.

use super::budget::expect_exhausted;
use super::{
    approval_params, exec_params, expect_empty, expect_status, expect_text, GateCtx, Lease,
    Listener, EXEC_ACTION,
};
use crate::check::{ensure, ensure_eq, sorted_members, Check, Failure};
use crate::http::RawRequest;
use serde_json::{json, Value};

/// Creates a pending approval; returns the lease and the 202 body.
async fn pending(ctx: &mut GateCtx, budgets: Option<Value>) -> Check<(Lease, Value)> {
    let lease = match budgets {
        Some(b) => ctx.lease_with(json!({"budgets": b})).await?,
        None => ctx.lease().await?,
    };
    let resp = ctx.execute(&lease, EXEC_ACTION, &approval_params()).await?;
    expect_status(&resp, 202, "a call needing approval")?;
    let body = resp
        .json()
        .ok_or_else(|| Failure::fail("202 body is not JSON"))?;
    Ok((lease, body))
}

async fn poll(
    ctx: &mut GateCtx,
    lease: &Lease,
    approval_id: &str,
) -> Check<crate::http::RawResponse> {
    let (req, _) = ctx.agent_request(lease, "GET", &format!("/v1/approvals/{approval_id}/poll"));
    ctx.send(Listener::Client, req).await
}

fn id_of(body: &Value) -> Check<String> {
    body["approval_id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| Failure::fail(format!("202 body has no approval_id: {body}")))
}

scenario_fn!(pending_body, |ctx| {
    let lease = ctx.lease().await?;
    let params = approval_params();
    let resp = ctx.execute(&lease, EXEC_ACTION, &params).await?;
    expect_status(&resp, 202, "a call needing approval")?;
    let text = resp.text();
    let body: Value =
        serde_json::from_str(&text).map_err(|_| Failure::fail("202 body is not JSON"))?;
    ensure_eq(
        "members of the 202 body",
        vec!["approval_id", "decision", "request_hash", "trace_id"],
        sorted_members(&body),
    )?;
    ensure(
        text.starts_with("{\"decision\":\"pending_approval\",\"approval_id\""),
        || format!("202 member order differs: {text}"),
    )?;
    let want =
        latchgate::crypto::jcs::request_hash(&params).map_err(|e| Failure::fail(e.to_string()))?;
    ensure_eq(
        "request_hash is sha256: of the JCS parameters",
        json!(want),
        body["request_hash"].clone(),
    )
});

scenario_fn!(poll_pending, |ctx| {
    let (lease, body) = pending(ctx, None).await?;
    let resp = poll(ctx, &lease, &id_of(&body)?).await?;
    expect_status(&resp, 200, "poll of a pending approval")?;
    ensure_eq(
        "poll body",
        Some(json!({"status": "pending", "retry_after_seconds": 2})),
        resp.json(),
    )
});

scenario_fn!(poll_other_session, |ctx| {
    let (_lease, body) = pending(ctx, None).await?;
    let other = ctx.lease().await?;
    let resp = poll(ctx, &other, &id_of(&body)?).await?;
    expect_empty(&resp, 404)
});

async fn approve(ctx: &mut GateCtx, id: &str) -> Check<crate::http::RawResponse> {
    ctx.operator("POST", &format!("/v1/approvals/{id}/approve"))
        .await
}

scenario_fn!(approve_executes, |ctx| {
    let (lease, body) = pending(ctx, None).await?;
    let id = id_of(&body)?;
    let resp = approve(ctx, &id).await?;
    expect_status(&resp, 200, "approve")?;
    let done = resp.json().unwrap_or_default();
    ensure_eq(
        "decision after approve",
        json!("executed"),
        done["decision"].clone(),
    )?;
    ensure_eq(
        "approval.decision",
        json!("allow"),
        done["approval"]["decision"].clone(),
    )?;
    ensure_eq(
        "approval.approval_id",
        json!(id),
        done["approval"]["approval_id"].clone(),
    )?;
    let p = poll(ctx, &lease, &id).await?;
    expect_status(&p, 200, "poll after approve")?;
    ensure_eq(
        "poll after approve",
        Some(json!({"status": "approved", "receipt_id": done["receipt_id"]})),
        p.json(),
    )
});

scenario_fn!(approve_repeat, |ctx| {
    let (_lease, body) = pending(ctx, None).await?;
    let id = id_of(&body)?;
    expect_status(&approve(ctx, &id).await?, 200, "first approve")?;
    let again = approve(ctx, &id).await?;
    expect_status(&again, 200, "second approve of a completed approval")?;
    ensure_eq(
        "decision of the repeat",
        json!("already_approved"),
        again.json().unwrap_or_default()["decision"].clone(),
    )
});

async fn deny(
    ctx: &mut GateCtx,
    id: &str,
    reason: Option<&str>,
) -> Check<crate::http::RawResponse> {
    let mut req = ctx.operator_request("POST", &format!("/v1/approvals/{id}/deny"))?;
    if let Some(r) = reason {
        req = req.json(&json!({"reason": r}));
    }
    ctx.send(Listener::Admin, req).await
}

/// Holds a call and denies it (with `reason`, if any); fails unless the deny answer and the
/// poll after it give the reason (`operator_denied` without one). The deny answer.
async fn denied_as(ctx: &mut GateCtx, reason: Option<&str>, what: &str) -> Check<Value> {
    let (lease, body) = pending(ctx, None).await?;
    let id = id_of(&body)?;
    let resp = deny(ctx, &id, reason).await?;
    expect_status(&resp, 200, what)?;
    let d = resp.json().unwrap_or_default();
    let want = reason.unwrap_or("operator_denied");
    ensure_eq("deny_reason", json!(want), d["deny_reason"].clone())?;
    let polled = poll(ctx, &lease, &id).await?.json();
    let after = json!({"status": "denied", "reason": want});
    ensure_eq("poll after deny", Some(after), polled)?;
    Ok(d)
}

scenario_fn!(deny_default, |ctx| {
    let d = denied_as(ctx, None, "deny").await?;
    ensure_eq("decision", json!("deny"), d["decision"].clone())
});

scenario_fn!(deny_with_reason, |ctx| {
    let what = "deny with a reason";
    denied_as(ctx, Some("not today"), what).await.map(|_| ())
});

scenario_fn!(deny_json_empty, |ctx| {
    let (_lease, body) = pending(ctx, None).await?;
    let id = id_of(&body)?;
    let req = RawRequest::new("POST", &format!("/v1/approvals/{id}/deny"))
        .header("content-type", "application/json");
    let resp = ctx.send(Listener::Admin, req).await?;
    expect_text(&resp, 400)
});

scenario_fn!(list_pending, |ctx| {
    let (lease, body) = pending(ctx, None).await?;
    let id = id_of(&body)?;
    let resp = ctx
        .operator("GET", "/v1/approvals?status=pending&limit=1")
        .await?;
    expect_status(&resp, 200, "list approvals")?;
    let list = resp.json().unwrap_or_default();
    let item = list["approvals"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["approval_id"] == json!(id)).cloned());
    let item = item.ok_or_else(|| Failure::fail(format!("approval {id} is not listed: {list}")))?;
    ensure_eq(
        "listed request_hash",
        body["request_hash"].clone(),
        item["request_hash"].clone(),
    )?;
    ensure_eq(
        "listed session_id",
        json!(lease.session_id()),
        item["session_id"].clone(),
    )?;
    ensure(list["count"].is_u64(), || "count must be an integer".into())
});

scenario_fn!(list_bad_status, |ctx| {
    let resp = ctx.operator("GET", "/v1/approvals?status=bogus").await?;
    expect_text(&resp, 400)
});

scenario_fn!(approve_debits, |ctx| {
    let (lease, body) = pending(ctx, Some(json!({"max_calls": 1}))).await?;
    expect_status(&approve(ctx, &id_of(&body)?).await?, 200, "approve")?;
    let resp = ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?;
    expect_exhausted(&resp)
});
