//! `sdk.rcpt.*`: receipts — fetched, their members exposed, `is_fully_successful`, verified
//! locally.

use super::appr::UNKNOWN_ID;
use super::tap::respond_json;
use super::ver::signed_body_verifies;
use crate::check::{ensure, ensure_eq};
use serde_json::{json, Value};

sdk_fn!(rcpt_fetch, |ctx| {
    let c = ctx.connected().await?;
    let (rid, e) = ctx.fetched_receipt(&c).await?;
    ensure_eq(
        "receipt request",
        format!("GET /v1/receipts/{rid}"),
        format!("{} {}", e.method, e.path()),
    )?;
    ensure(
        e.header("authorization")
            .is_some_and(|a| a.starts_with("DPoP "))
            && e.header("dpop").is_some(),
        || "receipt fetch without agent auth".into(),
    )?;
    ctx.receipt_err(&c, UNKNOWN_ID, "NotFound").await
});

sdk_fn!(rcpt_members, |ctx| {
    let c = ctx.connected().await?;
    let (rid, got) = ctx.executed_receipt(&c).await?;
    let sent = ctx
        .sent("/v1/receipts/")
        .first()
        .and_then(|e| e.response_json())
        .unwrap_or_default();
    for k in [
        "receipt_id",
        "grant_id",
        "result_hash",
        "started_at",
        "finished_at",
        "normalized_result",
        "verification_outcome",
        "failure_class",
        "provider_module_digest",
    ] {
        ensure_eq(
            &format!("receipt member {k}"),
            sent[k].clone(),
            got["receipt"][k].clone(),
        )?;
    }
    let swap = move |mut v: Value| {
        v["receipt_id"] = json!("01900000-0000-7000-8000-0000000000ff");
        v
    };
    ctx.tap.once(
        "/v1/receipts/",
        super::tap::Action::Rewrite(std::sync::Arc::new(swap)),
    );
    ctx.receipt_err(&c, &rid, "ProtocolError").await
});

sdk_fn!(rcpt_fully_successful, |ctx| {
    let c = ctx.connected().await?;
    let base = json!({"receipt_id": UNKNOWN_ID, "grant_id": "g", "provider_module_digest": "builtin:fs", "provider_receipt": {"ok": true},
        "effect_evidence": [], "result_hash": "0".repeat(64), "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:01Z",
        "failure_class": null, "signature_status": "valid"});
    let mut problems = Vec::new();
    for (kind, status, want) in [
        ("success", "verified", true),
        ("success", "unverifiable_declared", true),
        ("success", "verification_failed", false),
        ("provider_failure", "verified", false),
    ] {
        let mut body = base.clone();
        body["normalized_result"] = json!({"kind": kind});
        body["verification_outcome"] = json!({"status": status});
        ctx.tap.once("/v1/receipts/", respond_json(200, body));
        let got = ctx
            .ok(json!({"cmd": "get_receipt", "client": c, "receipt_id": UNKNOWN_ID}))
            .await?;
        if got["is_fully_successful"] != json!(want) {
            problems.push(format!(
                "{kind}/{status}: expected {want}, got {}",
                got["is_fully_successful"]
            ));
        }
    }
    ensure(problems.is_empty(), || problems.join("\n"))
});

sdk_fn!(local_verification, |ctx| {
    signed_body_verifies(ctx, "local verification of a signed receipt").await
});
