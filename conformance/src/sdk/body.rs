//! `sdk.body.*`: answer bodies the SDK must refuse or read exactly (not JSON, members missing,
//! decisions other than executed, result members).

use super::err::{play, report};
use super::{exec, SdkCtx, ACTION};
use crate::check::{ensure_eq, Check};
use crate::driver::{ErrorOutcome, Reply};
use serde_json::{json, Value};

async fn expect_protocol(
    ctx: &mut SdkCtx,
    c: &str,
    body: Vec<u8>,
    ct: Option<&str>,
    label: &str,
    problems: &mut Vec<String>,
) -> Check<Option<ErrorOutcome>> {
    match play(ctx, c, 200, body, ct, vec![]).await? {
        Reply::Err(e) if e.kind == "ProtocolError" => Ok(Some(e)),
        other => {
            problems.push(format!(
                "{label}: expected ProtocolError, got {}",
                other.describe()
            ));
            Ok(None)
        }
    }
}

sdk_fn!(success_not_json, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-bodies"})).await?;
    let mut problems = Vec::new();
    for (label, body, ct) in [
        ("text", b"ok".to_vec(), Some("text/plain")),
        ("empty", vec![], None),
        ("array", b"[]".to_vec(), Some("application/json")),
    ] {
        expect_protocol(ctx, &c, body, ct, label, &mut problems).await?;
    }
    report(problems, "the success bodies")
});

fn executed_body() -> Value {
    json!({"decision": "executed", "trace_id": "t-1", "action_id": ACTION, "grant_id": "g-1", "receipt_id": "r-1", "output": {"ok": true},
           "verification_outcome": "unverifiable_declared", "verification": {"outcome": "unverifiable_declared", "is_fully_successful": true},
           "runtime": {"duration_ms": 1, "exit_code": 0, "fuel_consumed": 1}})
}

sdk_fn!(required_member_missing, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-members"})).await?;
    let mut problems = Vec::new();
    let mut missing = executed_body();
    missing.as_object_mut().map(|o| o.remove("receipt_id"));
    let mut mistyped = executed_body();
    mistyped["trace_id"] = json!(7);
    for (label, body) in [("no receipt_id", missing), ("numeric trace_id", mistyped)] {
        expect_protocol(
            ctx,
            &c,
            serde_json::to_vec(&body).unwrap_or_default(),
            Some("application/json"),
            label,
            &mut problems,
        )
        .await?;
    }
    report(problems, "the malformed success bodies")
});

sdk_fn!(decision_not_executed, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-decision"})).await?;
    let mut body = executed_body();
    body["decision"] = json!("pending_approval");
    let mut problems = Vec::new();
    if let Some(e) = expect_protocol(
        ctx,
        &c,
        serde_json::to_vec(&body).unwrap_or_default(),
        Some("application/json"),
        "decision pending_approval",
        &mut problems,
    )
    .await?
    {
        if e.may_have_executed != Some(true) {
            problems.push(format!(
                "may_have_executed must be true on an execute ProtocolError, got {:?}",
                e.may_have_executed
            ));
        }
    }
    report(problems, "the decision checks")
});

sdk_fn!(result_members, |ctx| {
    let c = ctx.connected().await?;
    let got = exec(ctx, &c).await?;
    let e = ctx.first_sent("/execute", "no execute request")?;
    let sent = e.response_json().unwrap_or_default();
    for k in ["trace_id", "grant_id", "receipt_id", "output"] {
        ensure_eq(&format!("result {k}"), sent[k].clone(), got[k].clone())?;
    }
    ensure_eq(
        "is_fully_successful as the gate sent it",
        sent["verification"]["is_fully_successful"].clone(),
        got["is_fully_successful"].clone(),
    )
});
