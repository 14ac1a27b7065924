//! `sdk.op.*`: the operator side (C-OP): credentials, proofs, the admin listener, approvals,
//! receipt keys, error mapping.

use super::dpop::{decode, expect_htu};
use super::tap::{respond_json, Action};
use super::{approval_params, SdkCtx, ACTION};
use crate::check::{ensure, ensure_eq, Check, Failure};
use serde_json::{json, Value};

fn admin_url(ctx: &SdkCtx) -> Check<String> {
    ctx.admin_tap
        .as_ref()
        .map(|t| t.url().to_string())
        .ok_or_else(|| Failure::skip("no admin listener"))
}

fn admin_journal(ctx: &SdkCtx) -> Vec<super::tap::Entry> {
    ctx.admin_tap
        .as_ref()
        .map(|t| t.journal())
        .unwrap_or_default()
}

/// The first request on the admin listener whose path ends with `suffix`; fails with `missing`.
fn admin_request(ctx: &SdkCtx, suffix: &str, missing: &str) -> Check<super::tap::Entry> {
    admin_journal(ctx)
        .into_iter()
        .find(|e| e.path().ends_with(suffix))
        .ok_or_else(|| Failure::fail(missing))
}

/// The admin tap's I/O counters; a scenario without an admin tap cannot judge admin I/O.
fn admin_io(ctx: &SdkCtx) -> Check<super::tap::Io> {
    ctx.admin_tap
        .as_ref()
        .map(|t| t.io())
        .ok_or_else(|| Failure::fail("no admin tap to count the operator's I/O"))
}

/// Fails unless the proof's `htu` is the gate's public base followed by `path`.
fn expect_public_htu(ctx: &SdkCtx, what: &str, path: &str, claims: &Value) -> Check {
    expect_htu(what, format!("{}{path}", ctx.env.public_base), claims)
}

/// Sends `cmd` and fails unless the answer's `member` is the string `want`; `what` names it.
async fn expect_member(
    ctx: &mut SdkCtx,
    cmd: Value,
    member: &str,
    want: &str,
    what: &str,
) -> Check {
    let r = ctx.ok(cmd).await?;
    ensure_eq(what, json!(want), r[member].clone())
}

/// The `kid` and `x_hex` of each key in a `/v1/receipt-keys` answer.
fn kids_and_points(answer: &Value) -> Vec<Value> {
    answer["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|k| json!({"kid": k["kid"], "x_hex": k["x_hex"]}))
        .collect()
}

/// Creates an operator client through the admin tap.
async fn operator(ctx: &mut SdkCtx) -> Check<String> {
    let op = ctx
        .env
        .operator
        .clone()
        .ok_or_else(|| Failure::skip("needs operator credentials"))?;
    let url = admin_url(ctx)?;
    let cmd = json!({"cmd": "new_operator", "base_url": url, "public_base_url": ctx.env.public_base, "api_key": op.api_key, "key_pem": op.key.to_pkcs8_pem()});
    let v = ctx.ok(cmd).await?;
    v["operator"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| Failure::fail("new_operator answered without an operator handle"))
}

/// An agent call that needs approval; returns the approval id.
async fn pending(ctx: &mut SdkCtx) -> Check<String> {
    let c = ctx.connected().await?;
    let e = ctx.err(json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": approval_params()}), "ApprovalRequired").await?;
    e.approval_id
        .ok_or_else(|| Failure::fail("ApprovalRequired without approval_id"))
}

sdk_fn!(credentials, |ctx| {
    let o = operator(ctx).await?;
    ctx.ok(json!({"cmd": "receipt_keys", "operator": o}))
        .await?;
    ensure(
        admin_journal(ctx)
            .iter()
            .any(|e| e.path() == "/v1/receipt-keys"),
        || "receipt_keys never reached the gate: the client's credentials were not used".into(),
    )?;
    let debug = ctx.ok(json!({"cmd": "debug", "operator": o})).await?;
    let text = debug["text"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Failure::fail(format!("`debug` gave no text to judge: {debug}")))?
        .to_string();
    let op = ctx
        .env
        .operator
        .clone()
        .ok_or_else(|| Failure::skip("needs operator credentials"))?;
    let pem_body: String = op
        .key
        .to_pkcs8_pem()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    ensure(!text.contains(&op.api_key), || {
        "the operator client's debug text shows the api key".into()
    })?;
    ensure(!text.contains(&pem_body[..40.min(pem_body.len())]), || {
        "the operator client's debug text shows the private key".into()
    })
});

sdk_fn!(proof, |ctx| {
    let id = pending(ctx).await?;
    let o = operator(ctx).await?;
    ctx.ok(json!({"cmd": "approve", "operator": o, "approval_id": id}))
        .await?;
    let op = ctx
        .env
        .operator
        .clone()
        .ok_or_else(|| Failure::skip("needs operator credentials"))?;
    let e = admin_request(ctx, "/approve", "no approve request")?;
    ensure_eq(
        "Authorization",
        format!("DPoP {}", op.api_key),
        e.header("authorization").unwrap_or_default().to_string(),
    )?;
    let (h, p) = decode(&e)?;
    ensure_eq(
        "proof jwk is the operator key",
        serde_json::to_value(op.key.public_jwk()).unwrap_or_default(),
        h["jwk"].clone(),
    )?;
    ensure_eq(
        "ath over the api key",
        json!(latchgate::crypto::ath(&op.api_key)),
        p["ath"].clone(),
    )?;
    let path = format!("/v1/approvals/{id}/approve");
    expect_public_htu(ctx, "htu", &path, &p)
});

sdk_fn!(admin_listener, |ctx| {
    let o = operator(ctx).await?;
    ctx.ok(json!({"cmd": "list_approvals", "operator": o, "status": "pending", "limit": 5}))
        .await?;
    ensure_eq(
        "operator requests on the client listener",
        0,
        ctx.journal().len(),
    )?;
    let e = admin_request(ctx, "", "no request reached the admin listener")?;
    let (_, p) = decode(&e)?;
    let what = "htu base is the public base, not the admin address";
    expect_public_htu(ctx, what, "/v1/approvals", &p)
});

sdk_fn!(list_approvals, |ctx| {
    let id = pending(ctx).await?;
    let o = operator(ctx).await?;
    let r = ctx
        .ok(json!({"cmd": "list_approvals", "operator": o, "status": "pending", "limit": 10}))
        .await?;
    let listed = r["approvals"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x["approval_id"] == json!(id)));
    ensure(listed, || format!("approval {id} not in the list: {r}"))?;
    let e = admin_request(ctx, "", "no list request")?;
    ensure(
        e.target.contains("status=pending") && e.target.contains("limit=10"),
        || format!("list request target: {}", e.target),
    )?;
    let before = admin_io(ctx)?;
    for bad in [
        json!({"status": "bogus"}),
        json!({"limit": 0}),
        json!({"limit": 201}),
    ] {
        let mut cmd = json!({"cmd": "list_approvals", "operator": o});
        if let (Some(c), Some(b)) = (cmd.as_object_mut(), bad.as_object()) {
            c.extend(b.clone());
        }
        ctx.err(cmd, "InvalidInput").await?;
    }
    let after = admin_io(ctx)?;
    ensure_eq(
        "admin I/O (connections, requests) for invalid list arguments",
        (before.connections, before.requests),
        (after.connections, after.requests),
    )
});

sdk_fn!(approve, |ctx| {
    let id = pending(ctx).await?;
    let o = operator(ctx).await?;
    let cmd = json!({"cmd": "approve", "operator": o, "approval_id": id});
    expect_member(ctx, cmd.clone(), "decision", "executed", "decision").await?;
    let e = admin_request(ctx, "/approve", "no approve request")?;
    ensure(
        e.body.is_empty() && e.header("content-type").is_none(),
        || "approve carried a body or a Content-Type".into(),
    )?;
    let what = "decision of a repeated approve";
    expect_member(ctx, cmd, "decision", "already_approved", what).await
});

sdk_fn!(deny, |ctx| {
    let a = pending(ctx).await?;
    let b = pending(ctx).await?;
    let o = operator(ctx).await?;
    let with_reason = json!({"cmd": "deny", "operator": o, "approval_id": a, "reason": "not now"});
    expect_member(ctx, with_reason, "deny_reason", "not now", "deny_reason").await?;
    let without = json!({"cmd": "deny", "operator": o, "approval_id": b});
    let what = "default deny_reason";
    expect_member(ctx, without, "deny_reason", "operator_denied", what).await?;
    let denies: Vec<_> = admin_journal(ctx)
        .into_iter()
        .filter(|e| e.path().ends_with("/deny"))
        .collect();
    ensure_eq("deny requests", 2, denies.len())?;
    ensure_eq(
        "body with a reason",
        Some(json!({"reason": "not now"})),
        denies[0].json(),
    )?;
    ensure(
        denies[0]
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        || "deny with a reason lacks Content-Type".into(),
    )?;
    ensure(
        denies[1].body.is_empty() && denies[1].header("content-type").is_none(),
        || "deny without a reason carried a body or Content-Type".into(),
    )
});

sdk_fn!(receipt_keys, |ctx| {
    let o = operator(ctx).await?;
    let r = ctx
        .ok(json!({"cmd": "receipt_keys", "operator": o}))
        .await?;
    let sent = admin_journal(ctx)
        .into_iter()
        .next()
        .and_then(|e| e.response_json())
        .unwrap_or_default();
    ensure_eq("receipt keys", kids_and_points(&sent), kids_and_points(&r))?;
    let bad = json!({"keys": [{"kid": "abcdabcdabcdabcd", "x_hex": "zz", "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "added_at": "2026-01-01T00:00:00.000Z", "use": "sig"}]});
    if let Some(t) = &ctx.admin_tap {
        t.once("/v1/receipt-keys", respond_json(200, bad));
    }
    ctx.err(
        json!({"cmd": "receipt_keys", "operator": o}),
        "ProtocolError",
    )
    .await
    .map(|_| ())
});

sdk_fn!(error_mapping, |ctx| {
    let o = operator(ctx).await?;
    let tap = ctx
        .admin_tap
        .as_ref()
        .ok_or_else(|| Failure::skip("no admin listener"))?;
    tap.once("/approve", respond_json(409, json!({"error": "conflict"})));
    tap.once(
        "/approve",
        Action::Respond {
            status: 429,
            content_type: Some("application/json".into()),
            body: br#"{"error":"operator_throttled"}"#.to_vec(),
            headers: vec![("retry-after".into(), "2".into())],
        },
    );
    tap.once(
        "/v1/receipt-keys",
        respond_json(401, json!({"error": "unauthorized"})),
    );
    let id = "01900000-0000-7000-8000-000000000001";
    ctx.err(
        json!({"cmd": "approve", "operator": o, "approval_id": id}),
        "Conflict",
    )
    .await?;
    let e = ctx
        .err(
            json!({"cmd": "approve", "operator": o, "approval_id": id}),
            "Unavailable",
        )
        .await?;
    ensure_eq("retry_after of operator_throttled", Some(2), e.retry_after)?;
    ctx.err(json!({"cmd": "receipt_keys", "operator": o}), "AuthError")
        .await
        .map(|_| ())
});
