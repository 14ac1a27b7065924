//! SDK scenarios: DPoP proofs, identifiers, transport and URLs.

use super::tap::{respond_json, Entry, Rule};
use super::{exec, params, SdkCtx, SdkFn, ACTION};
use crate::check::{ensure, ensure_eq, Check, Failure};
use latchgate::crypto::{b64, dpop, htu, jwk::EcPublicJwk};
use serde_json::{json, Value};

pub(super) fn lookup(id: &str) -> Option<SdkFn> {
    Some(match id {
        "sdk.dpop.header-exact" => header_exact,
        "sdk.dpop.payload-exact" => payload_exact,
        "sdk.dpop.htm-upper" => htm_upper,
        "sdk.dpop.htu-normalised" => htu_normalised,
        "sdk.dpop.ath" => ath,
        "sdk.dpop.signature-raw" => signature_raw,
        "sdk.dpop.fresh-jti" => fresh_jti,
        "sdk.dpop.authorization-format" => authorization_format,
        "sdk.dpop.deny-reason-surfaced" => deny_reason_surfaced,
        "sdk.conn.proof-iat-current" => proof_iat_current,
        "sdk.dpop.none-on-lease-and-discovery" => none_on_lease_disc,
        "sdk.id.valid-accepted" => id_valid,
        "sdk.id.invalid-rejected" => id_invalid,
        "sdk.id.byte-length" => id_length,
        "sdk.url.explicit-beats-env" => url_explicit_beats_env,
        "sdk.url.env-url-used" => url_env_used,
        "sdk.url.both-transports" => url_both,
        "sdk.url.empty-values" => url_empty,
        "sdk.url.bad-base" => url_bad_base,
        "sdk.url.trailing-slashes" => url_trailing,
        "sdk.url.uds-request-target" => url_uds_target,
        "sdk.url.uds-htu-default" => url_uds_htu,
        "sdk.url.htu-base-explicit" => url_htu_explicit,
        "sdk.url.public-base-env" => url_public_env,
        "sdk.url.admin-socket-warning" => url_admin_warning,
        "sdk.url.accessors" => url_accessors,
        _ => return None,
    })
}

/// Decodes the DPoP proof of a journaled request (header, claims).
pub(super) fn decode(e: &Entry) -> Check<(Value, Value)> {
    let proof = e.header("dpop").ok_or_else(|| {
        Failure::fail(format!("{} {} carries no DPoP header", e.method, e.path()))
    })?;
    dpop::decode_unverified(proof)
        .map_err(|err| Failure::fail(format!("the proof does not decode: {err}")))
}

fn first_exec(ctx: &SdkCtx) -> Check<Entry> {
    ctx.sent("/execute")
        .first()
        .cloned()
        .ok_or_else(|| Failure::fail("no execute request reached the gate"))
}

fn members(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

sdk_fn!(header_exact, |ctx| {
    let c = ctx.connected().await?;
    exec(ctx, &c).await?;
    let (h, _) = decode(&first_exec(ctx)?)?;
    let mut m = members(&h);
    m.sort();
    ensure_eq(
        "proof header members",
        vec!["alg", "jwk", "typ"],
        m.iter().map(String::as_str).collect(),
    )?;
    ensure_eq(
        "typ and alg",
        json!(["dpop+jwt", "ES256"]),
        json!([h["typ"], h["alg"]]),
    )
});

sdk_fn!(payload_exact, |ctx| {
    let c = ctx.connected().await?;
    exec(ctx, &c).await?;
    let (_, p) = decode(&first_exec(ctx)?)?;
    let mut m = members(&p);
    m.sort();
    ensure_eq(
        "proof claims",
        vec!["ath", "htm", "htu", "iat", "jti"],
        m.iter().map(String::as_str).collect(),
    )?;
    ensure(p["iat"].is_i64(), || {
        format!("iat must be an integer, got {}", p["iat"])
    })
});

sdk_fn!(htm_upper, |ctx| {
    let c = ctx.connected().await?;
    let r = exec(ctx, &c).await?;
    let rid = r["receipt_id"].as_str().unwrap_or_default().to_string();
    ctx.ok(json!({"cmd": "get_receipt", "client": c, "receipt_id": rid}))
        .await?;
    ctx.tap.rule(
        Rule::on(
            "/poll",
            respond_json(200, json!({"status": "pending", "retry_after_seconds": 2})),
        )
        .times(1),
    );
    ctx.ok(json!({"cmd": "get_approval_status", "client": c, "approval_id": "01900000-0000-7000-8000-000000000001"})).await?;
    for (frag, want) in [
        ("/execute", "POST"),
        ("/v1/receipts/", "GET"),
        ("/poll", "GET"),
    ] {
        let e = ctx
            .sent(frag)
            .first()
            .cloned()
            .ok_or_else(|| Failure::fail(format!("no {frag} request")))?;
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
    let lease = ctx
        .leases()
        .first()
        .cloned()
        .ok_or_else(|| Failure::fail("no lease request"))?;
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
    ctx.tap.rule(
        Rule::on(
            "/execute",
            respond_json(401, json!({"error": "invalid_dpop", "deny_reason": reason})),
        )
        .times(1),
    );
    let e = ctx
        .err(
            json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()}),
            "AuthError",
        )
        .await?;
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

sdk_fn!(id_valid, |ctx| {
    let c = ctx.connected().await?;
    let long = "a".repeat(256);
    for id in ["A.b_c-1", "a..b", long.as_str()] {
        let got = ctx
            .cmd(json!({"cmd": "get_receipt", "client": c, "receipt_id": id}))
            .await?;
        ensure(got.kind() != "InvalidInput", || {
            format!("valid id {id:?} was refused: {}", got.describe())
        })?;
    }
    ensure_eq("receipt requests sent", 3, ctx.sent("/v1/receipts/").len())
});

async fn invalid_ids(ctx: &mut SdkCtx, ids: &[&str]) -> Check {
    let c = ctx.client(json!({"agent_id": "agent-ids"})).await?;
    let before = ctx.tap.io();
    for id in ids {
        let e = ctx
            .err(
                json!({"cmd": "get_receipt", "client": c, "receipt_id": id}),
                "InvalidInput",
            )
            .await?;
        if let Some(f) = &e.field {
            ensure(
                f.to_lowercase().replace('_', "").contains("receiptid"),
                || format!("field names '{f}', not receipt_id"),
            )?;
        } else {
            return Err(Failure::mismatch(
                format!("InvalidInput for {id:?} must name the field"),
                "receipt_id",
                "null",
            ));
        }
    }
    ctx.no_io_since(before, "invalid ids")
}

sdk_fn!(id_invalid, |ctx| {
    invalid_ids(
        ctx,
        &[
            "", "-a", "_a", ".a", "..", "a/b", "a b", "a%2F", "abc\n", "abc\r\n", "\nabc", "a?x",
            "a#x",
        ],
    )
    .await
});

sdk_fn!(id_length, |ctx| {
    let long = "a".repeat(257);
    invalid_ids(ctx, &[long.as_str(), "é"]).await
});

sdk_fn!(url_explicit_beats_env, |ctx| {
    let c = ctx
        .client(json!({"env": {"LATCHGATE_URL": "http://127.0.0.1:9"}}))
        .await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    ensure_eq(
        "lease requests through the explicit base URL",
        1,
        ctx.leases().len(),
    )
});

sdk_fn!(url_env_used, |ctx| {
    let url = ctx.tap.url().to_string();
    let c = ctx
        .client(json!({"base_url": null, "env": {"LATCHGATE_URL": url}}))
        .await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    ensure_eq(
        "lease requests through LATCHGATE_URL",
        1,
        ctx.leases().len(),
    )
});

sdk_fn!(url_both, |ctx| {
    let sock = ctx
        .tap
        .socket()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    ctx.err(
        json!({"cmd": "new_client", "base_url": ctx.tap.url(), "socket": sock}),
        "InvalidInput",
    )
    .await
    .map(|_| ())
});

sdk_fn!(url_empty, |ctx| {
    let before = ctx.tap.io();
    ctx.err(json!({"cmd": "new_client", "base_url": ""}), "InvalidInput")
        .await?;
    ctx.no_io_since(before, "an empty base URL")
});

sdk_fn!(url_bad_base, |ctx| {
    for base in [
        "ftp://127.0.0.1:1",
        "http://127.0.0.1:1/?q=1",
        "127.0.0.1:1",
    ] {
        ctx.err(
            json!({"cmd": "new_client", "base_url": base}),
            "InvalidInput",
        )
        .await?;
    }
    Ok(())
});

sdk_fn!(url_trailing, |ctx| {
    let c = ctx
        .client(json!({"base_url": format!("{}//", ctx.tap.url())}))
        .await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    let paths: Vec<String> = ctx.journal().iter().map(|e| e.target.clone()).collect();
    ensure_eq("request paths", vec!["/v1/leases".to_string()], paths)
});

async fn uds_client(ctx: &mut SdkCtx, public_base: Option<String>) -> Check<String> {
    let sock = ctx
        .tap
        .socket()
        .map(|p| p.display().to_string())
        .ok_or_else(|| Failure::fail("tap has no socket"))?;
    let pb = public_base.map(Value::String).unwrap_or(Value::Null);
    ctx.client(json!({"base_url": null, "socket": sock, "public_base_url": pb, "env": {"LATCHGATE_URL": null, "LATCHGATE_PUBLIC_BASE_URL": null}})).await
}

sdk_fn!(url_uds_target, |ctx| {
    let pb = ctx.env.public_base.clone();
    let c = uds_client(ctx, Some(pb)).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    let e = ctx
        .leases()
        .first()
        .cloned()
        .ok_or_else(|| Failure::fail("no lease request over the socket"))?;
    ensure_eq("request target", "/v1/leases", e.target.as_str())?;
    ensure_eq("Host header", Some("localhost"), e.header("host"))
});

sdk_fn!(url_uds_htu, |ctx| {
    let c = uds_client(ctx, None).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    let _ = ctx
        .cmd(json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()}))
        .await?;
    let (_, p) = decode(&first_exec(ctx)?)?;
    ensure_eq(
        "htu over a socket without public_base_url",
        json!(format!("http://localhost:3000/v1/actions/{ACTION}/execute")),
        p["htu"].clone(),
    )
});

sdk_fn!(url_htu_explicit, |ctx| {
    let c = ctx.connected().await?;
    exec(ctx, &c).await?;
    let (_, p) = decode(&first_exec(ctx)?)?;
    ensure_eq(
        "htu base",
        json!(format!(
            "{}/v1/actions/{ACTION}/execute",
            ctx.env.public_base
        )),
        p["htu"].clone(),
    )?;
    ensure(ctx.journal().len() >= 2, || {
        "requests did not go to the transport base URL".into()
    })
});

sdk_fn!(url_public_env, |ctx| {
    let pb = ctx.env.public_base.clone();
    let c = ctx
        .client(json!({"public_base_url": null, "env": {"LATCHGATE_PUBLIC_BASE_URL": pb}}))
        .await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    exec(ctx, &c).await?;
    let (_, p) = decode(&first_exec(ctx)?)?;
    ensure_eq(
        "htu from LATCHGATE_PUBLIC_BASE_URL",
        json!(format!("{pb}/v1/actions/{ACTION}/execute")),
        p["htu"].clone(),
    )
});

sdk_fn!(url_admin_warning, |ctx| {
    let dir = tempfile::tempdir().map_err(|e| Failure::fail(e.to_string()))?;
    let sock = dir.path().join("gate-admin.sock").display().to_string();
    let v = ctx
        .ok(json!({"cmd": "new_client", "socket": sock, "public_base_url": ctx.env.public_base}))
        .await?;
    let warnings = v["warnings"].as_array().cloned().unwrap_or_default();
    ensure(!warnings.is_empty(), || {
        "no warning for an agent client on gate-admin.sock".into()
    })
});

sdk_fn!(url_accessors, |ctx| {
    let c = ctx.connected().await?;
    let info = ctx.ok(json!({"cmd": "info", "client": c})).await?;
    ensure_eq(
        "htu base",
        json!(ctx.env.public_base),
        info["htu_base"].clone(),
    )?;
    ensure(
        info["base_url"]
            .as_str()
            .is_some_and(|b| b.starts_with(ctx.tap.url())),
        || format!("base_url accessor: {}", info["base_url"]),
    )?;
    ensure(
        info["session_id"].is_string() && info["lease_jti"].is_string(),
        || format!("session accessors: {info}"),
    )
});

sdk_fn!(proof_iat_current, |ctx| {
    let c = ctx.connected().await?;
    exec(ctx, &c).await?;
    let (_, p) = decode(&first_exec(ctx)?)?;
    let iat = p["iat"]
        .as_i64()
        .ok_or_else(|| Failure::fail(format!("iat is not an integer: {}", p["iat"])))?;
    let now = ctx.env.now();
    ensure(iat >= now - 60 && iat <= now + 5, || {
        format!("proof iat {iat} is outside [now - 60, now + 5] of the gate's clock ({now})")
    })
});
