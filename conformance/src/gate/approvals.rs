//! `approvals.*`: what a running gate v0.2.0 writes in approval records (the plan's approved
//! targets, nanosecond timestamps), kept as scenarios so the suite catches a difference in any gate.

use super::{approval_params, expect_status, GateCtx, EXEC_ACTION};
use crate::check::{ensure, ensure_eq, Check, Failure};
use serde_json::{json, Value};

/// A pending approval's detail (operator view).
async fn pending_detail(ctx: &mut GateCtx) -> Check<Value> {
    let lease = ctx.lease().await?;
    let resp = ctx.execute(&lease, EXEC_ACTION, &approval_params()).await?;
    expect_status(&resp, 202, "a call needing approval")?;
    let id = resp
        .json()
        .and_then(|b| b["approval_id"].as_str().map(str::to_string))
        .ok_or_else(|| Failure::fail("202 body has no approval_id"))?;
    let detail = ctx.operator("GET", &format!("/v1/approvals/{id}")).await?;
    expect_status(&detail, 200, "approval detail")?;
    detail
        .json()
        .ok_or_else(|| Failure::fail("approval detail is not JSON"))
}

/// The sinks the policy data grants `principal`: its own entry (with the wildcard's when it
/// inherits), else the wildcard's.
fn sinks_of(policy: &Value, principal: &str) -> Value {
    let acl = &policy["acl"];
    let wildcard = acl["*"]["allowed_sinks"].clone();
    match acl.get(principal) {
        None | Some(Value::Null) => wildcard,
        Some(e) if e["inherits_wildcard"] == json!(true) => {
            let mut all: Vec<String> = [&e["allowed_sinks"], &wildcard]
                .iter()
                .filter_map(|v| v.as_array())
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect();
            all.sort();
            all.dedup();
            json!(all)
        }
        Some(e) => e["allowed_sinks"].clone(),
    }
}

scenario_fn!(approved_targets, |ctx| {
    let detail = pending_detail(ctx).await?;
    let principal = detail["principal"].as_str().unwrap_or_default().to_string();
    let policy = ctx.operator("GET", "/v1/admin/policy").await?;
    expect_status(&policy, 200, "policy read")?;
    let want = sinks_of(&policy.json().unwrap_or_default(), &principal);
    ensure_eq(
        &format!("approved_targets = the allowed sinks of {principal}"),
        want,
        detail["approved_targets"].clone(),
    )
});

/// chrono `to_rfc3339()` of a nanosecond instant: `+00:00` and 9 fractional digits (6 when the
/// last three are zero).
fn nanosecond_rfc3339(text: &str) -> bool {
    let Some(rest) = text.strip_suffix("+00:00") else {
        return false;
    };
    let Some((secs, frac)) = rest.split_once('.') else {
        return false;
    };
    secs.len() == 19
        && chrono::NaiveDateTime::parse_from_str(secs, "%Y-%m-%dT%H:%M:%S").is_ok()
        && matches!(frac.len(), 6 | 9)
        && frac.bytes().all(|b| b.is_ascii_digit())
}

scenario_fn!(nanosecond_timestamps, |ctx| {
    let detail = pending_detail(ctx).await?;
    for field in ["created_at", "expires_at"] {
        let text = detail[field].as_str().unwrap_or_default();
        ensure(nanosecond_rfc3339(text), || {
            format!("approval {field} {text:?} is not RFC 3339 +00:00 with nanoseconds")
        })?;
    }
    Ok(())
});
