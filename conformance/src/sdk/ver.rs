//! SDK scenarios: offline receipt verification (C-VER). The runner signs its own receipts with its
//! own Ed25519 key, so each failure mode can be produced exactly; `sdk.ver.valid` also checks a
//! genuine receipt from the gate with the gate's keys.

use super::SdkCtx;
use crate::check::{ensure_eq, Check, Failure};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};

/// A runner-owned receipt signer.
pub(super) struct Signer32 {
    key: SigningKey,
}

impl Signer32 {
    pub(super) fn new() -> Self {
        let mut seed = [0u8; 32];
        seed[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        seed[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        Signer32 {
            key: SigningKey::from_bytes(&seed),
        }
    }

    fn x_hex(&self) -> String {
        hex::encode(self.key.verifying_key().as_bytes())
    }

    pub(super) fn kid(&self) -> String {
        self.x_hex()[..16].to_string()
    }

    /// The key list in the gate's `/v1/receipt-keys` shape.
    pub(super) fn keys(&self) -> Value {
        json!([{"kid": self.kid(), "x_hex": self.x_hex(), "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "added_at": "2026-01-01T00:00:00.000Z", "use": "sig"}])
    }

    /// Fills result_hash, receipt_signature and signing_key_id.
    pub(super) fn sign(&self, mut receipt: Value) -> Value {
        let obj = receipt.as_object().cloned().unwrap_or_default();
        let hash = latchgate::crypto::receipt::compute_result_hash(&obj).unwrap_or_default();
        receipt["result_hash"] = json!(hash);
        receipt["receipt_signature"] =
            json!(hex::encode(self.key.sign(hash.as_bytes()).to_bytes()));
        receipt["signing_key_id"] = json!(self.kid());
        receipt
    }
}

/// A receipt body with the ten hashed fields (not yet signed).
pub(super) fn receipt_body() -> Value {
    json!({
        "receipt_id": "01900000-0000-7000-8000-0000000000a1",
        "grant_id": "01900000-0000-7000-8000-0000000000a2",
        "provider_module_digest": "builtin:fs",
        "provider_receipt": {"ok": true, "data": {"bytes": 12}},
        "normalized_result": {"kind": "success", "summary": "provider completed successfully"},
        "verification_outcome": {"status": "unverifiable_declared"},
        "effect_evidence": [],
        "started_at": "2026-01-01T00:00:00.123456Z",
        "finished_at": "2026-01-01T00:00:00.456789Z",
        "failure_class": null,
        "signature_status": "valid"
    })
}

pub(super) async fn verify(ctx: &mut SdkCtx, receipt: &Value, keys: &Value) -> Check<String> {
    let r = ctx
        .ok(json!({"cmd": "verify_receipt", "receipt": receipt, "keys": keys}))
        .await?;
    r["status"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| Failure::fail(format!("verify_receipt answered without status: {r}")))
}

/// Fails unless the SDK gives `receipt`, checked against `signer`'s keys, the status `want`.
pub(super) async fn expect_verified(
    ctx: &mut SdkCtx,
    what: &str,
    want: &str,
    receipt: &Value,
    signer: &Signer32,
) -> Check {
    ensure_eq(
        what,
        want,
        verify(ctx, receipt, &signer.keys()).await?.as_str(),
    )
}

/// Fails unless the SDK finds a runner-signed [`receipt_body`] valid.
pub(super) async fn signed_body_verifies(ctx: &mut SdkCtx, what: &str) -> Check {
    let s = Signer32::new();
    let receipt = s.sign(receipt_body());
    expect_verified(ctx, what, "valid", &receipt, &s).await
}

sdk_fn!(valid, |ctx| {
    let c = ctx.connected().await?;
    let raw = ctx
        .fetched_receipt(&c)
        .await?
        .1
        .response_json()
        .ok_or_else(|| Failure::fail("no receipt answer"))?;
    let op =
        ctx.env.operator.clone().ok_or_else(|| {
            Failure::skip("needs operator credentials for the gate's receipt keys")
        })?;
    let admin = ctx
        .env
        .admin
        .clone()
        .ok_or_else(|| Failure::skip("needs the admin listener"))?;
    let proof = latchgate::crypto::dpop::build_proof(
        &op.key,
        &latchgate::crypto::dpop::ProofClaims {
            jti: latchgate::crypto::dpop::fresh_jti(),
            htm: "GET".into(),
            htu: format!("{}/v1/receipt-keys", ctx.env.public_base),
            iat: ctx.env.now(),
            ath: latchgate::crypto::ath(&op.api_key),
        },
    );
    let req = crate::http::RawRequest::new("GET", "/v1/receipt-keys")
        .header("authorization", &format!("DPoP {}", op.api_key))
        .header("dpop", &proof);
    let resp = crate::http::send(&admin, &req, std::time::Duration::from_secs(10))
        .await
        .map_err(|e| Failure::fail(e.to_string()))?;
    let keys = resp
        .json()
        .map(|v| v["keys"].clone())
        .ok_or_else(|| Failure::fail("receipt keys answer is not JSON"))?;
    let status = verify(ctx, &raw, &keys).await?;
    ensure_eq(
        "verification of a genuine receipt",
        "valid",
        status.as_str(),
    )
});

sdk_fn!(bad_key_list, |ctx| {
    let s = Signer32::new();
    let receipt = s.sign(receipt_body());
    ctx.err(
        json!({"cmd": "verify_receipt", "receipt": receipt, "keys": [{"kid": 5}]}),
        "InvalidInput",
    )
    .await
    .map(|_| ())
});

sdk_fn!(missing_field, |ctx| {
    let s = Signer32::new();
    let mut receipt = s.sign(receipt_body());
    receipt.as_object_mut().map(|o| o.remove("failure_class"));
    expect_verified(
        ctx,
        "status without failure_class",
        "malformed",
        &receipt,
        &s,
    )
    .await
});

sdk_fn!(timestamp_z, |ctx| {
    signed_body_verifies(ctx, "status of a receipt with Z timestamps").await
});

sdk_fn!(jcs, |ctx| {
    let s = Signer32::new();
    let mut body = receipt_body();
    body["provider_receipt"] = serde_json::from_str(
        r#"{"ok":true,"\ue000":"private use","\ud83d\ude00":"emoji","numbers":[1e21,0.1,100,-7,1.5e-7,3.0],"text":"\u00e9\n\"q\"","nested":{"b":[],"a":{}}}"#,
    )
    .map_err(|e| Failure::fail(e.to_string()))?;
    let receipt = s.sign(body);
    expect_verified(
        ctx,
        "status of the JCS edge-case receipt",
        "valid",
        &receipt,
        &s,
    )
    .await?;
    let mut changed = receipt.clone();
    changed["provider_receipt"]["numbers"][1] = json!(0.2);
    expect_verified(
        ctx,
        "status after changing one number",
        "hash_mismatch",
        &changed,
        &s,
    )
    .await
});

sdk_fn!(statuses, |ctx| {
    let s = Signer32::new();
    let good = s.sign(receipt_body());
    let other = Signer32::new();
    let mut cases: Vec<(&str, Value, Value)> = Vec::new();
    let mut v = good.clone();
    v["normalized_result"] = json!({"kind": "provider_failure", "reason": "exit code 1"});
    cases.push(("hash_mismatch", v, s.keys()));
    let mut v = good.clone();
    v["receipt_signature"] = json!(hex::encode(
        other
            .key
            .sign(good["result_hash"].as_str().unwrap_or_default().as_bytes())
            .to_bytes()
    ));
    cases.push(("invalid", v, s.keys()));
    let mut v = good.clone();
    v.as_object_mut().map(|o| o.remove("receipt_signature"));
    cases.push(("missing_signature", v, s.keys()));
    let mut v = good.clone();
    v.as_object_mut().map(|o| o.remove("signing_key_id"));
    cases.push(("missing_key_id", v, s.keys()));
    cases.push(("unknown_key_id", good.clone(), other.keys()));
    let mut v = good.clone();
    v["receipt_signature"] = json!("zz");
    cases.push(("malformed_signature", v, s.keys()));
    let mut v = good.clone();
    v["signature_status"] = json!("invalid");
    cases.push(("valid", v, s.keys()));
    let mut problems = Vec::new();
    for (want, receipt, keys) in cases {
        let got = verify(ctx, &receipt, &keys).await?;
        if got != want {
            problems.push(format!("expected {want}, got {got}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::mismatch(
            "verification statuses",
            "one status per failure mode",
            problems.join("\n"),
        ))
    }
});
