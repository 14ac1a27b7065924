//! `sdk.dpop.*`: the DPoP proofs the SDK sends (header, payload, `htm`, `htu`, `ath`, signature,
//! `jti`), and the proof decoding other families use.

use super::tap::{respond_json, Entry};
use super::{exec, SdkCtx, ACTION};
use crate::check::{ensure, ensure_eq, sorted_members, Check, Failure};
use latchgate::crypto::{b64, dpop, htu, jwk::EcPublicJwk};
use serde_json::{json, Value};

/// Decodes the DPoP proof of a journaled request (header, claims).
pub(super) fn decode(e: &Entry) -> Check<(Value, Value)> {
    let proof = e.header("dpop").ok_or_else(|| {
        Failure::fail(format!("{} {} carries no DPoP header", e.method, e.path()))
    })?;
    dpop::decode_unverified(proof)
        .map_err(|err| Failure::fail(format!("the proof does not decode: {err}")))
}

pub(super) fn first_exec(ctx: &SdkCtx) -> Check<Entry> {
    ctx.first_sent("/execute", "no execute request reached the gate")
}

/// Connects a client, executes once and decodes the proof of that execute request.
pub(super) async fn executed_proof(ctx: &mut SdkCtx) -> Check<(Value, Value)> {
    let c = ctx.connected().await?;
    exec(ctx, &c).await?;
    decode(&first_exec(ctx)?)
}

/// Fails unless the proof claims' `htu` is `want`.
pub(super) fn expect_htu(what: &str, want: String, claims: &Value) -> Check {
    ensure_eq(what, json!(want), claims["htu"].clone())
}

sdk_fn!(header_exact, |ctx| {
    let (h, _) = executed_proof(ctx).await?;
    ensure_eq(
        "proof header members",
        vec!["alg", "jwk", "typ"],
        sorted_members(&h),
    )?;
    ensure_eq(
        "typ and alg",
        json!(["dpop+jwt", "ES256"]),
        json!([h["typ"], h["alg"]]),
    )
});

sdk_fn!(payload_exact, |ctx| {
    let (_, p) = executed_proof(ctx).await?;
    ensure_eq(
        "proof claims",
        vec!["ath", "htm", "htu", "iat", "jti"],
        sorted_members(&p),
    )?;
    ensure(p["iat"].is_i64(), || {
        format!("iat must be an integer, got {}", p["iat"])
    })
});

sdk_fn!(htm_upper, |ctx| {
    let c = ctx.connected().await?;
    ctx.executed_receipt(&c).await?;
    ctx.tap.once(
        "/poll",
        respond_json(200, json!({"status": "pending", "retry_after_seconds": 2})),
    );
    ctx.ok(json!({"cmd": "get_approval_status", "client": c, "approval_id": "01900000-0000-7000-8000-000000000001"})).await?;
    for (frag, want) in [
        ("/execute", "POST"),
        ("/v1/receipts/", "GET"),
        ("/poll", "GET"),
    ] {
        let e = ctx.first_sent(frag, &format!("no {frag} request"))?;
        ensure_eq(
            &format!("htm on {frag}"),
            json!(want),
            decode(&e)?.1["htm"].clone(),
        )?;
    }
    Ok(())
});

sdk_fn!(htu_normalised, |ctx| {
    let base = format!("{}//", ctx.env.public_base.to_uppercase());
    let c = ctx.client(json!({"public_base_url": base})).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    exec(ctx, &c).await?;
    let (_, p) = decode(&first_exec(ctx)?)?;
    let want = htu::normalize(&htu::join(
        &ctx.env.public_base,
        &format!("/v1/actions/{ACTION}/execute"),
    ))
    .unwrap_or_default();
    let got = p["htu"].as_str().unwrap_or_default();
    ensure_eq(
        "normalised htu",
        want,
        htu::normalize(got).unwrap_or_else(|_| got.to_string()),
    )?;
    ensure(!got.contains("//v1"), || {
        format!("trailing slashes of the base were kept: {got}")
    })
});

sdk_fn!(ath, |ctx| {
    let c = ctx.connected().await?;
    exec(ctx, &c).await?;
    let e = first_exec(ctx)?;
    let token = e
        .header("authorization")
        .and_then(|a| a.strip_prefix("DPoP "))
        .unwrap_or_default()
        .to_string();
    ensure_eq(
        "ath",
        json!(latchgate::crypto::ath(&token)),
        decode(&e)?.1["ath"].clone(),
    )
});

sdk_fn!(signature_raw, |ctx| {
    let c = ctx.connected().await?;
    exec(ctx, &c).await?;
    let e = first_exec(ctx)?;
    let (h, _) = decode(&e)?;
    let proof = e.header("dpop").unwrap_or_default();
    let sig = proof.rsplit('.').next().unwrap_or_default();
    ensure_eq(
        "signature segment length (raw r‖s, base64url)",
        86,
        sig.len(),
    )?;
    let key: EcPublicJwk = serde_json::from_value(h["jwk"].clone())
        .map_err(|e| Failure::fail(format!("header jwk: {e}")))?;
    let vk = key
        .to_verifying_key()
        .map_err(|e| Failure::fail(format!("header jwk is not a P-256 key: {e}")))?;
    ensure(dpop::verify_proof_signature(&vk, proof), || {
        "the proof signature does not verify with the header key".into()
    })?;
    ensure(proof.split('.').all(|s| b64::decode(s).is_ok()), || {
        "a segment is not strict base64url".into()
    })
});

sdk_fn!(fresh_jti, |ctx| {
    let c = ctx.connected().await?;
    exec(ctx, &c).await?;
    exec(ctx, &c).await?;
    let execs = ctx.sent("/execute");
    let jtis: Vec<String> = execs
        .iter()
        .map(|e| decode(e).map(|(_, p)| p["jti"].as_str().unwrap_or_default().to_string()))
        .collect::<Check<_>>()?;
    ensure(jtis.len() == 2 && jtis[0] != jtis[1], || {
        format!("identical calls reused a jti: {jtis:?}")
    })?;
    ensure(jtis.iter().all(|j| j.len() >= 16), || {
        format!("a jti is too short for 64 random bits: {jtis:?}")
    })
});

sdk_fn!(authorization_format, |ctx| {
    let c = ctx.connected().await?;
    exec(ctx, &c).await?;
    let lease = ctx.first_lease()?;
    let jwt = lease
        .response_json()
        .and_then(|v| v["lease_jwt"].as_str().map(str::to_string))
        .unwrap_or_default();
    let e = first_exec(ctx)?;
    ensure_eq(
        "Authorization",
        format!("DPoP {jwt}"),
        e.header("authorization").unwrap_or_default().to_string(),
    )?;
    ensure_eq(
        "proof key is the lease key",
        lease.json().unwrap_or_default()["dpop_jwk"].clone(),
        decode(&e)?.0["jwk"].clone(),
    )
});

sdk_fn!(deny_reason_surfaced, |ctx| {
    let c = ctx.connected().await?;
    let reason = "htu mismatch: expected 'http://a/x', got 'http://b/x'";
    ctx.tap.once(
        "/execute",
        respond_json(401, json!({"error": "invalid_dpop", "deny_reason": reason})),
    );
    let e = ctx.exec_err(&c, "AuthError").await?;
    ensure_eq("code", Some("invalid_dpop".to_string()), e.code.clone())?;
    ensure(
        e.reason.as_deref().is_some_and(|r| r.contains(reason)),
        || format!("reason does not surface the deny_reason: {:?}", e.reason),
    )
});

sdk_fn!(none_on_lease_disc, |ctx| {
    let c = ctx.connected().await?;
    ctx.ok(json!({"cmd": "get_action", "client": c, "action_id": ACTION}))
        .await?;
    let detail = format!("/v1/actions/{ACTION}");
    ensure(
        !ctx.leases().is_empty() && ctx.journal().iter().any(|e| e.path() == detail),
        || "no lease request or no action-detail request reached the gate to judge".into(),
    )?;
    for e in ctx.journal().iter().filter(|e| {
        e.path() == "/v1/leases"
            || (e.path().starts_with("/v1/actions") && !e.path().ends_with("/execute"))
    }) {
        ensure(
            e.header("authorization").is_none() && e.header("dpop").is_none(),
            || format!("{} carries Authorization or DPoP", e.line()),
        )?;
    }
    Ok(())
});
