//! `budget.*`: call budgets — exhaustion, born-exhausted leases, the cost member, per-lease
//! accounting, concurrency, pending calls — and refunds (PROTOCOL §8.2 steps 10–15, §8.6): a
//! failure between the debit and the provider dispatch gives the call back; a failure once the
//! provider ran does not.
//!
//! The quickstart preset has no action that fails on purpose, so the refund scenarios register
//! their own through the mock's control API (`POST /_mock/actions`) and grant them to every
//! principal. A target whose admin listener does not offer that API skips them with the reason.

use super::{
    approval_params, exec_params, expect_error, expect_status, GateCtx, Lease, Listener,
    EXEC_ACTION,
};
use crate::check::{ensure, ensure_eq, Check, Failure};
use crate::http::RawRequest;
use serde_json::{json, Value};

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

async fn budget_lease(ctx: &mut GateCtx, budgets: Value) -> Check<Lease> {
    ctx.lease_with(json!({"budgets": budgets})).await
}

/// Fails unless an allowed call on `lease` succeeds.
async fn allowed(ctx: &mut GateCtx, lease: &Lease, what: &str) -> Check {
    expect_status(
        &ctx.execute(lease, EXEC_ACTION, &exec_params()).await?,
        200,
        what,
    )
}

scenario_fn!(budget_exhaustion, |ctx| {
    let lease = budget_lease(ctx, json!({"max_calls": 1})).await?;
    allowed(ctx, &lease, "first call under max_calls 1").await?;
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
        allowed(ctx, &lease, &format!("call {i} of 2")).await?;
    }
    let third = ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?;
    expect_exhausted(&third)
});

scenario_fn!(budget_per_lease, |ctx| {
    let a = budget_lease(ctx, json!({"max_calls": 1})).await?;
    allowed(ctx, &a, "first lease, first call").await?;
    expect_exhausted(&ctx.execute(&a, EXEC_ACTION, &exec_params()).await?)?;
    let b = budget_lease(ctx, json!({"max_calls": 1})).await?;
    allowed(ctx, &b, "second lease, first call").await
});

scenario_fn!(budget_unlimited, |ctx| {
    let lease = ctx.lease().await?;
    for i in 1..=5 {
        allowed(ctx, &lease, &format!("unbudgeted call {i}")).await?;
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
    allowed(ctx, &lease, "allowed call after the 202").await
});

/// An action whose provider is a WASM module digest: the mock holds no such module, so the call
/// fails after the debit and before dispatch (502 `action_execution_failed`, refunded).
const MISSING_MODULE_ACTION: &str = "lgc_refund_missing_module";

const MISSING_MODULE_DIGEST: &str =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// An action whose provider answers output without a boolean `ok`: the call fails after dispatch
/// (422 `schema_violation`, not refunded).
const BAD_OUTPUT_ACTION: &str = "lgc_no_refund_bad_output";

/// A low-risk manifest with no side effects, no egress and an open request schema, so the call
/// reaches the debit with `{}` as parameters.
fn manifest(action_id: &str, digest: &str) -> Value {
    json!({
        "action_id": action_id,
        "version": "1.0.0",
        "provider_module_digest": digest,
        "risk_level": "low",
        "verifier_kind": "none",
        "declared_side_effects": [],
        "io": {"request_schema": {"type": "object"}},
    })
}

/// Registers an action through `POST /_mock/actions` and grants it to the wildcard principal;
/// skips the scenario when the target does not offer the control API.
async fn register(ctx: &mut GateCtx, command: Value) -> Check {
    let action_id = command["manifest"]["action_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let add = ctx.control_request("POST", "/_mock/actions").json(&command);
    let resp = ctx.send(Listener::Admin, add).await?;
    match resp.status {
        200 => {}
        // An unknown route (a gate without the control API: axum's empty 404, or 405).
        404 | 405 => {
            return Err(Failure::skip(format!(
                "needs to register actions, but the admin listener has no mock control API \
                 (POST /_mock/actions answered {})",
                resp.status
            )))
        }
        _ => expect_status(&resp, 200, "registering an action (POST /_mock/actions)")?,
    }
    let grant = ctx
        .control_request("POST", "/_mock/policy/grant")
        .json(&json!({"principal": "*", "actions": [action_id]}));
    let resp = ctx.send(Listener::Admin, grant).await?;
    expect_status(
        &resp,
        200,
        "granting the registered action (POST /_mock/policy/grant)",
    )
}

/// Executes the failing action under a fresh `max_calls 1` lease, checks its failure, then
/// returns the answer of an allowed call made with the same lease.
async fn fail_then_call(
    ctx: &mut GateCtx,
    action: &str,
    status: u16,
    code: &str,
) -> Check<crate::http::RawResponse> {
    let lease = ctx.lease_with(json!({"budgets": {"max_calls": 1}})).await?;
    let failed = ctx.execute(&lease, action, &json!({})).await?;
    expect_error(&failed, status, code)?;
    ctx.execute(&lease, EXEC_ACTION, &exec_params()).await
}

scenario_fn!(refund_pre_dispatch_failure, |ctx| {
    let command = json!({"manifest": manifest(MISSING_MODULE_ACTION, MISSING_MODULE_DIGEST)});
    register(ctx, command).await?;
    let next = fail_then_call(ctx, MISSING_MODULE_ACTION, 502, "action_execution_failed").await?;
    expect_status(
        &next,
        200,
        "allowed call after a refunded pre-dispatch failure under max_calls 1",
    )
});

scenario_fn!(no_refund_post_dispatch_failure, |ctx| {
    let command = json!({
        "manifest": manifest(BAD_OUTPUT_ACTION, "builtin:http_api"),
        "output": {"result": "an object without a boolean ok member"},
    });
    register(ctx, command).await?;
    let next = fail_then_call(ctx, BAD_OUTPUT_ACTION, 422, "schema_violation").await?;
    let body = expect_error(&next, 403, "policy_denied")?;
    ensure_eq(
        "deny_reason of the call after an unrefunded post-dispatch failure",
        json!("budget exhausted: no calls remaining"),
        body["deny_reason"].clone(),
    )
});
