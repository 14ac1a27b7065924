//! Audit ledger scenarios: a call's event found by trace id, chain verification, operator auth.

use super::{exec_params, expect_array, expect_error, expect_status, Listener, EXEC_ACTION};
use crate::check::{ensure, ensure_eq, members};
use serde_json::{json, Value};

scenario_fn!(events_by_trace, |ctx| {
    let lease = ctx.lease().await?;
    let call = ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?;
    expect_status(&call, 200, "allowed call")?;
    let call = call.json().unwrap_or_default();
    let trace = call["trace_id"].as_str().unwrap_or_default().to_string();
    let resp = ctx
        .operator("GET", &format!("/v1/audit/events?trace_id={trace}"))
        .await?;
    let events = expect_array(&resp, "audit events by trace id", "events")?;
    ensure_eq("events of the call's trace", 1, events.len())?;
    let ev = &events[0];
    for (k, want) in [
        ("trace_id", json!(trace)),
        ("event_type", json!("action_call")),
        ("decision", json!("allow")),
        ("action_id", json!(EXEC_ACTION)),
        ("receipt_id", call["receipt_id"].clone()),
        ("session_id", json!(lease.session_id())),
    ] {
        ensure(ev[k] == want, || {
            format!("event member {k}: expected {want}, got {}", ev[k])
        })?;
    }
    Ok(())
});

scenario_fn!(verify_intact, |ctx| {
    ctx.executed().await?;
    let resp = ctx.operator("GET", "/v1/audit/verify").await?;
    expect_status(&resp, 200, "audit verify")?;
    let v = resp.json().unwrap_or_default();
    let keys = members(&v);
    ensure_eq(
        "verify members",
        vec!["broken_at", "intact", "total_events", "verified_links"],
        keys,
    )?;
    ensure(
        v["intact"] == json!(true) && v["broken_at"] == Value::Null,
        || format!("chain reported broken: {v}"),
    )?;
    let total = v["total_events"].as_u64().unwrap_or(0);
    ensure(total >= 2, || {
        format!("the lease and the call were not counted: {v}")
    })?;
    ensure_eq("verified_links", json!(total), v["verified_links"].clone())
});

scenario_fn!(auth_required, |ctx| {
    for path in ["/v1/audit/events", "/v1/audit/verify"] {
        let resp = ctx.get(Listener::Admin, path).await?;
        let body = expect_error(&resp, 401, "unauthorized")?;
        ensure_eq(
            &format!("{path} body"),
            json!({"error": "unauthorized"}),
            body,
        )?;
    }
    Ok(())
});
