//! `admin.*`: the admin listener. Operator CRUD — learned domains and ACL grants change what
//! execute does — and the admin routes an agent lease or the client listener cannot reach, drain.
//!
//! Each CRUD scenario undoes what it changed (also when a check fails midway), so it may run
//! against a shared gate: the added domain is deleted, the granted action revoked.

use super::{
    exec_params, expect_empty, expect_error, expect_status, GateCtx, Listener, DENIED_ACTION,
    EXEC_ACTION,
};
use crate::check::{ensure, ensure_eq, Check, Failure};
use crate::http::{RawRequest, RawResponse};
use serde_json::{json, Value};

/// The quickstart action that fetches a templated URL (unknown hosts are held for approval).
const FETCH_ACTION: &str = "http_fetch";

async fn operator_json(
    ctx: &mut GateCtx,
    method: &str,
    path: &str,
    body: &Value,
) -> Check<RawResponse> {
    let req = ctx.operator_request(method, path)?.json(body);
    ctx.send(Listener::Admin, req).await
}

/// A 200 JSON body of an admin route.
fn ok_body(resp: &RawResponse, what: &str) -> Check<Value> {
    expect_status(resp, 200, what)?;
    resp.json()
        .ok_or_else(|| Failure::fail(format!("{what}: 200 body is not JSON")))
}

/// The call got past the policy: executed (200 `decision: executed`), or dispatched and failed
/// in the provider (502 `action_execution_failed`: a real gate without network or provider
/// module). Anything else — held, refused, an auth or schema error, a 500 — is not a pass.
fn passed_policy(resp: &RawResponse, what: &str) -> Check {
    let body = resp.json().unwrap_or_default();
    let passed = match resp.status {
        200 => body["decision"] == json!("executed"),
        502 => body["error"] == json!("action_execution_failed"),
        _ => false,
    };
    ensure(passed, || {
        format!(
            "{what}: expected the call to pass the policy (200 executed, or 502 action_execution_failed), got {} {}",
            resp.status,
            crate::http::cut(&resp.text(), 200)
        )
    })
}

async fn fetch(ctx: &mut GateCtx, host: &str) -> Check<RawResponse> {
    let lease = ctx.lease().await?;
    let params = json!({"url": format!("https://{host}/lgc")});
    ctx.execute(&lease, FETCH_ACTION, &params).await
}

scenario_fn!(domain_removes_approval, |ctx| {
    let host = format!("lgc-{}.example.org", uuid::Uuid::new_v4().simple());
    let entry = json!({"action_id": FETCH_ACTION, "domain": host});
    let held = fetch(ctx, &host).await?;
    expect_status(&held, 202, "a fetch of a host nobody allowed")?;
    let added = operator_json(ctx, "POST", "/v1/admin/domains", &entry).await?;
    let outcome = async {
        let body = ok_body(&added, "POST /v1/admin/domains")?;
        ensure_eq(
            "add answer",
            json!({"action_id": FETCH_ACTION, "domain": host, "inserted": true}),
            body,
        )?;
        let again = fetch(ctx, &host).await?;
        passed_policy(&again, "the same fetch after adding the domain")
    }
    .await;
    let removed = operator_json(ctx, "DELETE", "/v1/admin/domains", &entry).await?;
    outcome?;
    let body = ok_body(&removed, "DELETE /v1/admin/domains (restoring the gate)")?;
    ensure_eq("delete answer", json!(true), body["deleted"].clone())
});

scenario_fn!(invalid_domain, |ctx| {
    let entry = json!({"action_id": FETCH_ACTION, "domain": "localhost"});
    let resp = operator_json(ctx, "POST", "/v1/admin/domains", &entry).await?;
    let body = expect_error(&resp, 400, "invalid_domain")?;
    ensure(body["detail"].is_string(), || {
        format!("invalid_domain without a detail: {body}")
    })
});

/// The denied call; returns the principal named in its `policy_denied` answer.
async fn denied_principal(ctx: &mut GateCtx) -> Check<String> {
    let lease = ctx.lease().await?;
    let params = json!({"url": "https://httpbin.org/post", "body": "{}"});
    let resp = ctx.execute(&lease, DENIED_ACTION, &params).await?;
    let body = expect_error(&resp, 403, "policy_denied")?;
    let principal = body["principal"].as_str().unwrap_or_default().to_string();
    let path = format!("/v1/admin/policy/{principal}");
    let own = ctx.operator("GET", &path).await?;
    match own.status {
        404 => Ok(principal),
        200 => Err(Failure::skip(format!(
            "principal '{principal}' has its own ACL entry (GET {path} → 200); revoking would not restore it"
        ))),
        other => Err(Failure::mismatch(
            format!("GET {path}: whether the principal has its own ACL entry"),
            "200 (an entry) or 404 (none)",
            format!("{other} {}", crate::http::cut(&own.text(), 200)),
        )),
    }
}

async fn call_denied_action(ctx: &mut GateCtx) -> Check<RawResponse> {
    let lease = ctx.lease().await?;
    let params = json!({"url": "https://httpbin.org/post", "body": "{}"});
    ctx.execute(&lease, DENIED_ACTION, &params).await
}

async fn edit_acl(ctx: &mut GateCtx, verb: &str, principal: &str) -> Check<RawResponse> {
    let body = json!({"principal": principal, "actions": [DENIED_ACTION]});
    operator_json(ctx, "POST", &format!("/v1/admin/policy/{verb}"), &body).await
}

/// Revokes the grant and checks the principal's entry is gone again (the gate's state before).
async fn restore(ctx: &mut GateCtx, principal: &str) -> Check {
    let resp = edit_acl(ctx, "revoke", principal).await?;
    let body = ok_body(&resp, "POST /v1/admin/policy/revoke (restoring the gate)")?;
    ensure_eq(
        "principal_removed of the restoring revoke",
        json!(true),
        body["principal_removed"].clone(),
    )
}

scenario_fn!(grant_allows, |ctx| {
    let principal = denied_principal(ctx).await?;
    let granted = edit_acl(ctx, "grant", &principal).await?;
    let outcome = async {
        let body = ok_body(&granted, "POST /v1/admin/policy/grant")?;
        ensure_eq("granted", json!([DENIED_ACTION]), body["granted"].clone())?;
        let after = call_denied_action(ctx).await?;
        passed_policy(&after, "the denied call after the grant")
    }
    .await;
    let restored = restore(ctx, &principal).await;
    outcome.and(restored)
});

scenario_fn!(revoke_denies, |ctx| {
    let principal = denied_principal(ctx).await?;
    let granted = edit_acl(ctx, "grant", &principal).await?;
    ok_body(&granted, "POST /v1/admin/policy/grant")?;
    restore(ctx, &principal).await?;
    let after = call_denied_action(ctx).await?;
    let body = expect_error(&after, 403, "policy_denied")?;
    ensure_eq(
        "principal of the denial",
        json!(principal),
        body["principal"].clone(),
    )
});

#[cfg(test)]
mod tests {
    use super::passed_policy;
    use crate::http::RawResponse;

    #[test]
    fn passed_policy_takes_an_execution_or_a_provider_failure_only() {
        let passes = [
            RawResponse::json_for_test(200, r#"{"decision":"executed","grant_id":"g"}"#),
            RawResponse::json_for_test(502, r#"{"error":"action_execution_failed"}"#),
        ];
        for r in &passes {
            assert!(
                passed_policy(r, "t").is_ok(),
                "{} must count as a pass",
                r.status
            );
        }
        let not = [
            RawResponse::json_for_test(500, r#"{"error":"internal_error"}"#),
            RawResponse::json_for_test(401, r#"{"error":"invalid_dpop"}"#),
            RawResponse::json_for_test(404, r#"{"error":"action_not_found"}"#),
            RawResponse::json_for_test(422, r#"{"error":"schema_violation"}"#),
            RawResponse::json_for_test(429, r#"{"error":"rate_limited"}"#),
            RawResponse::json_for_test(202, r#"{"decision":"pending_approval"}"#),
            RawResponse::json_for_test(200, r#"{"decision":"pending_approval"}"#),
            RawResponse::json_for_test(502, ""),
        ];
        for r in &not {
            assert!(
                passed_policy(r, "t").is_err(),
                "{} {} must not count as a pass",
                r.status,
                r.text()
            );
        }
    }

    #[test]
    fn only_the_acl_editing_scenarios_and_the_pending_list_run_alone() {
        let cat = crate::catalogue::Catalogue::builtin();
        let alone: Vec<&str> = cat
            .scenarios()
            .iter()
            .filter(|s| s.runs_alone)
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(
            alone,
            [
                "approval.list.pending",
                "admin.policy.grant-allows",
                "admin.policy.revoke-denies"
            ],
            "scenarios marked runs_alone: the two that edit the ACL every scenario relies on, and \
             the newest-pending list that another scenario's approval would change"
        );
    }
}

scenario_fn!(admin_receipt_agent, |ctx| {
    let (lease, rid) = ctx.executed().await?;
    let (req, _) = ctx.agent_request(&lease, "GET", &format!("/v1/receipts/{rid}"));
    let resp = ctx.send(Listener::Admin, req).await?;
    expect_error(&resp, 401, "unauthorized").map(|_| ())
});

scenario_fn!(admin_absent_on_client, |ctx| {
    for path in ["/v1/approvals", "/v1/receipt-keys", "/v1/admin/status"] {
        let resp = ctx.get(Listener::Client, path).await?;
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
