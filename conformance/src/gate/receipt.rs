//! `receipt.*`: receipts — fetched by an agent, the hash recomputed, the Ed25519 signature
//! verified against `/v1/receipt-keys`, who may read them.

use super::{expect_status, GateCtx, Lease, Listener};
use crate::check::{ensure, ensure_eq, Check, Failure};
use serde_json::{json, Value};

/// Executes the allowed call and fetches its receipt with the same lease.
async fn receipt(ctx: &mut GateCtx) -> Check<(Lease, Value)> {
    let (lease, rid) = ctx.executed().await?;
    let (req, _) = ctx.agent_request(&lease, "GET", &format!("/v1/receipts/{rid}"));
    let r = ctx.send(Listener::Client, req).await?;
    expect_status(&r, 200, "receipt fetch")?;
    let body = r
        .json()
        .ok_or_else(|| Failure::fail("receipt body is not JSON"))?;
    ensure_eq("receipt_id", json!(rid), body["receipt_id"].clone())?;
    Ok((lease, body))
}

scenario_fn!(receipt_fetch, |ctx| {
    let (_, r) = receipt(ctx).await?;
    for k in latchgate::crypto::receipt::HASHED_FIELDS {
        ensure(r.get(k).is_some(), || format!("receipt lacks {k}"))?;
    }
    ensure(
        r["failure_class"].is_null() || r["failure_class"].is_string(),
        || "failure_class must be a string or null".into(),
    )?;
    ensure(r["normalized_result"]["kind"].is_string(), || {
        "normalized_result.kind missing".into()
    })?;
    ensure(r["verification_outcome"]["status"].is_string(), || {
        "verification_outcome must be an object with status".into()
    })?;
    ensure_eq(
        "signature_status",
        json!("valid"),
        r["signature_status"].clone(),
    )
});

scenario_fn!(receipt_hash, |ctx| {
    let (_, r) = receipt(ctx).await?;
    let obj = r.as_object().cloned().unwrap_or_default();
    let want = latchgate::crypto::receipt::compute_result_hash(&obj)
        .map_err(|e| Failure::fail(e.to_string()))?;
    ensure_eq(
        "result_hash recomputed",
        json!(want),
        r["result_hash"].clone(),
    )
});

async fn keys(ctx: &mut GateCtx) -> Check<Vec<Value>> {
    let resp = ctx.operator("GET", "/v1/receipt-keys").await?;
    expect_status(&resp, 200, "receipt keys")?;
    Ok(resp.json().unwrap_or_default()["keys"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

scenario_fn!(receipt_signature, |ctx| {
    let (_, r) = receipt(ctx).await?;
    let keys = keys(ctx).await?;
    let kid = r["signing_key_id"].as_str().unwrap_or_default();
    let key = keys
        .iter()
        .find(|k| k["kid"] == json!(kid))
        .ok_or_else(|| Failure::fail(format!("no receipt key with kid {kid}")))?;
    let x = hex::decode(key["x_hex"].as_str().unwrap_or_default())
        .map_err(|_| Failure::fail("x_hex is not hex"))?;
    let vk = ed25519_dalek::VerifyingKey::from_bytes(
        &x.try_into()
            .map_err(|_| Failure::fail("x_hex is not 32 bytes"))?,
    )
    .map_err(|e| Failure::fail(format!("x_hex is not an Ed25519 key: {e}")))?;
    let sig = hex::decode(r["receipt_signature"].as_str().unwrap_or_default())
        .map_err(|_| Failure::fail("receipt_signature is not hex"))?;
    let sig = ed25519_dalek::Signature::from_slice(&sig)
        .map_err(|e| Failure::fail(format!("receipt_signature: {e}")))?;
    let msg = r["result_hash"].as_str().unwrap_or_default();
    vk.verify_strict(msg.as_bytes(), &sig).map_err(|e| {
        Failure::fail(format!(
            "signature over the hex result_hash does not verify: {e}"
        ))
    })
});

scenario_fn!(receipt_keys_shape, |ctx| {
    let keys = keys(ctx).await?;
    ensure(!keys.is_empty(), || "no receipt keys".into())?;
    for k in &keys {
        let x = k["x_hex"].as_str().unwrap_or_default();
        ensure(
            x.len() == 64 && x.chars().all(|c| c.is_ascii_hexdigit()),
            || format!("x_hex '{x}' is not 64 hex"),
        )?;
        ensure_eq(
            "kid is the first 16 hex of x_hex",
            json!(&x[..16.min(x.len())]),
            k["kid"].clone(),
        )?;
        ensure_eq(
            "kty/crv/alg/use",
            json!(["OKP", "Ed25519", "EdDSA", "sig"]),
            json!([k["kty"], k["crv"], k["alg"], k["use"]]),
        )?;
    }
    Ok(())
});

scenario_fn!(receipt_admin, |ctx| {
    let (_, r) = receipt(ctx).await?;
    let rid = r["receipt_id"].as_str().unwrap_or_default().to_string();
    let resp = ctx.operator("GET", &format!("/v1/receipts/{rid}")).await?;
    expect_status(&resp, 200, "admin receipt")?;
    ensure_eq("admin receipt equals the agent's", Some(r), resp.json())
});

scenario_fn!(receipt_any_lease, |ctx| {
    let (_, r) = receipt(ctx).await?;
    let other = ctx.lease().await?;
    let rid = r["receipt_id"].as_str().unwrap_or_default().to_string();
    let (req, _) = ctx.agent_request(&other, "GET", &format!("/v1/receipts/{rid}"));
    let resp = ctx.send(Listener::Client, req).await?;
    expect_status(&resp, 200, "receipt read by another session")
});
