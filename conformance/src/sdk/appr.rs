//! `sdk.appr.*`: approvals — the `ApprovalRequired` outcome, polling, waiting, statuses.

use super::tap::{respond_json, respond_raw};
use super::{approval_params, SdkCtx, ACTION};
use crate::check::{ensure, ensure_eq, Check, Failure};
use crate::driver::Reply;
use serde_json::{json, Value};

pub(super) const UNKNOWN_ID: &str = "01900000-0000-7000-8000-000000000001";

/// Runs the call needing approval; returns the driver's ApprovalRequired outcome.
async fn needs_approval(ctx: &mut SdkCtx, c: &str) -> Check<crate::driver::ErrorOutcome> {
    ctx.err(
        json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": approval_params()}),
        "ApprovalRequired",
    )
    .await
}

/// The approval id of a call on client `c` that needs approval (empty if the SDK gives none).
async fn pending_approval(ctx: &mut SdkCtx, c: &str) -> Check<String> {
    Ok(needs_approval(ctx, c)
        .await?
        .approval_id
        .unwrap_or_default())
}

fn poll_cmd(c: &str, id: &str) -> Value {
    json!({"cmd": "get_approval_status", "client": c, "approval_id": id})
}

sdk_fn!(required, |ctx| {
    let c = ctx.connected().await?;
    let e = needs_approval(ctx, &c).await?;
    let sent = ctx
        .sent("/execute")
        .first()
        .and_then(|x| x.response_json())
        .unwrap_or_default();
    ensure_eq(
        "approval_id",
        sent["approval_id"].as_str().map(str::to_string),
        e.approval_id,
    )?;
    ensure_eq(
        "request_hash",
        sent["request_hash"].as_str().map(str::to_string),
        e.request_hash,
    )?;
    ensure_eq(
        "trace_id",
        sent["trace_id"].as_str().map(str::to_string),
        e.trace_id,
    )
});

sdk_fn!(required_missing_id, |ctx| {
    let c = ctx.connected().await?;
    let body =
        json!({"decision": "pending_approval", "request_hash": "sha256:00", "trace_id": "t"});
    ctx.tap.once("/execute", respond_json(202, body));
    ctx.exec_err(&c, "ProtocolError").await.map(|_| ())
});

sdk_fn!(accepted_elsewhere, |ctx| {
    let c = ctx.connected().await?;
    ctx.tap.once(
        "/v1/receipts/",
        respond_json(202, json!({"receipt_id": UNKNOWN_ID})),
    );
    ctx.receipt_err(&c, UNKNOWN_ID, "ProtocolError").await
});

sdk_fn!(poll_agent_auth, |ctx| {
    let c = ctx.connected().await?;
    let id = pending_approval(ctx, &c).await?;
    let s = ctx.ok(poll_cmd(&c, &id)).await?;
    ensure_eq("status", json!("pending"), s["status"].clone())?;
    ensure_eq(
        "approval_id of the result",
        json!(id),
        s["approval_id"].clone(),
    )?;
    let p = ctx.first_sent("/poll", "no poll request")?;
    ensure_eq("poll method", "GET", p.method.as_str())?;
    ensure_eq(
        "poll path",
        format!("/v1/approvals/{id}/poll"),
        p.path().to_string(),
    )?;
    let lease_jwt = ctx.first_lease_jwt();
    ensure_eq(
        "poll Authorization is the agent lease",
        format!("DPoP {lease_jwt}"),
        p.header("authorization").unwrap_or_default().to_string(),
    )
});

sdk_fn!(poll_missing_status, |ctx| {
    let c = ctx.connected().await?;
    let mut problems = Vec::new();
    for body in [json!({}), json!({"status": 3})] {
        ctx.tap.once("/poll", respond_json(200, body.clone()));
        let got = ctx.cmd(poll_cmd(&c, UNKNOWN_ID)).await?;
        if got.kind() != "ProtocolError" {
            problems.push(format!(
                "{body}: expected ProtocolError, got {}",
                got.describe()
            ));
        }
    }
    ensure(problems.is_empty(), || problems.join("; "))
});

sdk_fn!(statuses, |ctx| {
    let c = ctx.connected().await?;
    let mut problems = Vec::new();
    let cases = [
        (
            json!({"status": "approved", "receipt_id": "r-1"}),
            Some(("approved", "receipt_id", json!("r-1"))),
        ),
        (json!({"status": "approved"}), None),
        (
            json!({"status": "denied", "reason": "operator_denied"}),
            Some(("denied", "reason", json!("operator_denied"))),
        ),
        (
            json!({"status": "failed", "reason": "execution_failed"}),
            Some(("failed", "reason", json!("execution_failed"))),
        ),
        (
            json!({"status": "weird_new_state"}),
            Some(("weird_new_state", "status", json!("weird_new_state"))),
        ),
    ];
    for (body, want) in cases {
        ctx.tap.once("/poll", respond_json(200, body.clone()));
        let got = ctx.cmd(poll_cmd(&c, UNKNOWN_ID)).await?;
        match (want, got) {
            (None, Reply::Err(e)) if e.kind == "ProtocolError" => {}
            (Some((status, k, v)), Reply::Ok(r)) if r["status"] == json!(status) && r[k] == v => {
                let terminal = matches!(status, "approved" | "denied" | "failed");
                if r.get("is_terminal").is_some_and(|t| *t != json!(terminal)) {
                    problems.push(format!("{body}: is_terminal should be {terminal}"));
                }
            }
            (w, g) => problems.push(format!(
                "{body}: expected {}, got {}",
                w.map_or("ProtocolError".to_string(), |w| format!("{w:?}")),
                g.describe()
            )),
        }
    }
    ensure(problems.is_empty(), || problems.join("\n"))
});

sdk_fn!(other_session, |ctx| {
    let a = ctx.connected().await?;
    let id = pending_approval(ctx, &a).await?;
    let b = ctx.connected().await?;
    ctx.err(poll_cmd(&b, &id), "NotFound").await.map(|_| ())
});

sdk_fn!(wait_helper, |ctx| {
    // With an injectable clock the helper's sleeps cost no wall time.
    let manual = ctx.hello.capabilities.iter().any(|c| c == "clock");
    let c = ctx.client(json!({"manual_clock": manual})).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    ctx.tap.once(
        "/poll",
        respond_json(200, json!({"status": "pending", "retry_after_seconds": 1})),
    );
    ctx.tap.once(
        "/poll",
        respond_json(200, json!({"status": "approved", "receipt_id": "r-1"})),
    );
    let r = ctx.ok(json!({"cmd": "wait_for_approval", "client": c, "approval_id": UNKNOWN_ID, "timeout_ms": 10000})).await?;
    ensure_eq("final status", json!("approved"), r["status"].clone())?;
    ctx.expect_sent("polls", "/poll", 2)?;
    ctx.expect_sent("executes (the helper never re-executes)", "/execute", 0)
});

sdk_fn!(poll_error_bodies, |ctx| {
    let c = ctx.connected().await?;
    let mut problems = Vec::new();
    for (status, kind) in [(401, "AuthError"), (404, "NotFound"), (503, "Unavailable")] {
        ctx.tap.once("/poll", respond_raw(status, None, b""));
        match ctx.cmd(poll_cmd(&c, UNKNOWN_ID)).await? {
            Reply::Err(e) if e.kind == kind && e.code.is_none() => {}
            other => problems.push(format!(
                "empty {status}: expected {kind} with code null, got {}",
                other.describe()
            )),
        }
    }
    ensure(problems.is_empty(), || problems.join("\n"))
});

sdk_fn!(stale_session, |ctx| {
    let gate_clock = ctx
        .env
        .clock
        .clone()
        .ok_or_else(|| Failure::skip("needs the gate's clock"))?;
    let c = ctx.client(json!({"manual_clock": true})).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    let id = pending_approval(ctx, &c).await?;
    gate_clock.advance(301);
    ctx.ok(json!({"cmd": "advance_clock", "client": c, "secs": 301}))
        .await?;
    let e = ctx.err(poll_cmd(&c, &id), "NotFound").await?;
    ctx.expect_sent(
        "lease requests (the creating lease expired, so the poll re-leased)",
        "/v1/leases",
        2,
    )?;
    ensure_eq("stale_session", Some(true), e.stale_session)
});
