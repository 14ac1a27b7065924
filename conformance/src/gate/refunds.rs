//! Budget refund scenarios (PROTOCOL §8.2 steps 10–15, §8.6): a failure between the debit and the
//! provider dispatch gives the call back; a failure once the provider ran does not.
//!
//! The quickstart preset has no action that fails on purpose, so these scenarios register their
//! own through the mock's control API (`POST /_mock/actions`) and grant them to every principal.
//! A target whose admin listener does not offer that API skips them with the reason.

use super::{exec_params, expect_error, expect_status, GateCtx, GateFn, Listener, EXEC_ACTION};
use crate::check::{ensure_eq, Check, Failure};
use serde_json::{json, Value};

/// An action whose provider is a WASM module digest: the mock holds no such module, so the call
/// fails after the debit and before dispatch (502 `action_execution_failed`, refunded).
const MISSING_MODULE_ACTION: &str = "lgc_refund_missing_module";
const MISSING_MODULE_DIGEST: &str =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";
/// An action whose provider answers output without a boolean `ok`: the call fails after dispatch
/// (422 `schema_violation`, not refunded).
const BAD_OUTPUT_ACTION: &str = "lgc_no_refund_bad_output";

pub(super) fn lookup(id: &str) -> Option<GateFn> {
    Some(match id {
        "budget.refund.pre-dispatch-failure" => refund_pre_dispatch_failure,
        "budget.no-refund.post-dispatch-failure" => no_refund_post_dispatch_failure,
        _ => return None,
    })
}

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
    if resp.status != 200 {
        return Err(Failure::skip(format!(
            "needs to register actions, but the admin listener has no mock control API \
             (POST /_mock/actions answered {})",
            resp.status
        )));
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
