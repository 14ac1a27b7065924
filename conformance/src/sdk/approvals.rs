//! SDK scenarios: approvals, receipts, discovery and egress.

use super::tap::{respond_json, respond_raw, Rule};
use super::{approval_params, exec, params, SdkCtx, SdkFn, ACTION};
use crate::check::{ensure, ensure_eq, Check, Failure};
use crate::driver::Reply;
use serde_json::{json, Value};

pub(super) fn lookup(id: &str) -> Option<SdkFn> {
    Some(match id {
        "sdk.appr.required" => required,
        "sdk.appr.required-missing-id" => required_missing_id,
        "sdk.appr.202-elsewhere" => accepted_elsewhere,
        "sdk.appr.poll-agent-auth" => poll_agent_auth,
        "sdk.appr.poll-missing-status" => poll_missing_status,
        "sdk.appr.statuses" => statuses,
        "sdk.appr.other-session" => other_session,
        "sdk.appr.wait-helper" => wait_helper,
        "sdk.appr.poll-error-bodies" => poll_error_bodies,
        "sdk.appr.stale-session" => stale_session,
        "sdk.rcpt.fetch" => rcpt_fetch,
        "sdk.rcpt.members" => rcpt_members,
        "sdk.rcpt.fully-successful" => rcpt_fully_successful,
        "sdk.disc.unauthenticated" => disc_unauthenticated,
        "sdk.disc.calls" => disc_calls,
        "sdk.disc.health" => disc_health,
        "sdk.egr.profile-and-404" => egr_profile,
        "sdk.egr.shapes" => egr_shapes,
        _ => return None,
    })
}

const UNKNOWN_ID: &str = "01900000-0000-7000-8000-000000000001";

/// Runs the call needing approval; returns the driver's ApprovalRequired outcome.
async fn needs_approval(ctx: &mut SdkCtx, c: &str) -> Check<crate::driver::ErrorOutcome> {
    ctx.err(
        json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": approval_params()}),
        "ApprovalRequired",
    )
    .await
}

fn poll_cmd(c: &str, id: &str) -> Value {
    json!({"cmd": "get_approval_status", "client": c, "approval_id": id})
}

sdk_fn!(required, |ctx| {
    let c = ctx.connected().await?;
    let e = needs_approval(ctx, &c).await?;
    let sent = ctx
        .sent("/execute")
        .first()
        .and_then(|x| x.response_json())
        .unwrap_or_default();
    ensure_eq(
        "approval_id",
        sent["approval_id"].as_str().map(str::to_string),
        e.approval_id,
    )?;
    ensure_eq(
        "request_hash",
        sent["request_hash"].as_str().map(str::to_string),
        e.request_hash,
    )?;
    ensure_eq(
        "trace_id",
        sent["trace_id"].as_str().map(str::to_string),
        e.trace_id,
    )
});

sdk_fn!(required_missing_id, |ctx| {
    let c = ctx.connected().await?;
    let body =
        json!({"decision": "pending_approval", "request_hash": "sha256:00", "trace_id": "t"});
    ctx.tap
        .rule(Rule::on("/execute", respond_json(202, body)).times(1));
    ctx.err(
        json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()}),
        "ProtocolError",
    )
    .await
    .map(|_| ())
});

sdk_fn!(accepted_elsewhere, |ctx| {
    let c = ctx.connected().await?;
    ctx.tap.rule(
        Rule::on(
            "/v1/receipts/",
            respond_json(202, json!({"receipt_id": UNKNOWN_ID})),
        )
        .times(1),
    );
    ctx.err(
        json!({"cmd": "get_receipt", "client": c, "receipt_id": UNKNOWN_ID}),
        "ProtocolError",
    )
    .await
    .map(|_| ())
});

sdk_fn!(poll_agent_auth, |ctx| {
    let c = ctx.connected().await?;
    let id = needs_approval(ctx, &c)
        .await?
        .approval_id
        .unwrap_or_default();
    let s = ctx.ok(poll_cmd(&c, &id)).await?;
    ensure_eq("status", json!("pending"), s["status"].clone())?;
    ensure_eq(
        "approval_id of the result",
        json!(id),
        s["approval_id"].clone(),
    )?;
    let p = ctx
        .sent("/poll")
        .first()
        .cloned()
        .ok_or_else(|| Failure::fail("no poll request"))?;
    ensure_eq("poll method", "GET", p.method.as_str())?;
    ensure_eq(
        "poll path",
        format!("/v1/approvals/{id}/poll"),
        p.path().to_string(),
    )?;
    let lease_jwt = ctx
        .leases()
        .first()
        .and_then(|l| l.response_json())
        .and_then(|v| v["lease_jwt"].as_str().map(str::to_string))
        .unwrap_or_default();
    ensure_eq(
        "poll Authorization is the agent lease",
        format!("DPoP {lease_jwt}"),
        p.header("authorization").unwrap_or_default().to_string(),
    )
});

sdk_fn!(poll_missing_status, |ctx| {
    let c = ctx.connected().await?;
    let mut problems = Vec::new();
    for body in [json!({}), json!({"status": 3})] {
        ctx.tap
            .rule(Rule::on("/poll", respond_json(200, body.clone())).times(1));
        let got = ctx.cmd(poll_cmd(&c, UNKNOWN_ID)).await?;
        if got.kind() != "ProtocolError" {
            problems.push(format!(
                "{body}: expected ProtocolError, got {}",
                got.describe()
            ));
        }
    }
    ensure(problems.is_empty(), || problems.join("; "))
});

sdk_fn!(statuses, |ctx| {
    let c = ctx.connected().await?;
    let mut problems = Vec::new();
    let cases = [
        (
            json!({"status": "approved", "receipt_id": "r-1"}),
            Some(("approved", "receipt_id", json!("r-1"))),
        ),
        (json!({"status": "approved"}), None),
        (
            json!({"status": "denied", "reason": "operator_denied"}),
            Some(("denied", "reason", json!("operator_denied"))),
        ),
        (
            json!({"status": "failed", "reason": "execution_failed"}),
            Some(("failed", "reason", json!("execution_failed"))),
        ),
        (
            json!({"status": "weird_new_state"}),
            Some(("weird_new_state", "status", json!("weird_new_state"))),
        ),
    ];
    for (body, want) in cases {
        ctx.tap
            .rule(Rule::on("/poll", respond_json(200, body.clone())).times(1));
        let got = ctx.cmd(poll_cmd(&c, UNKNOWN_ID)).await?;
        match (want, got) {
            (None, Reply::Err(e)) if e.kind == "ProtocolError" => {}
            (Some((status, k, v)), Reply::Ok(r)) if r["status"] == json!(status) && r[k] == v => {
                let terminal = matches!(status, "approved" | "denied" | "failed");
                if r.get("is_terminal").is_some_and(|t| *t != json!(terminal)) {
                    problems.push(format!("{body}: is_terminal should be {terminal}"));
                }
            }
            (w, g) => problems.push(format!(
                "{body}: expected {}, got {}",
                w.map_or("ProtocolError".to_string(), |w| format!("{w:?}")),
                g.describe()
            )),
        }
    }
    ensure(problems.is_empty(), || problems.join("\n"))
});

sdk_fn!(other_session, |ctx| {
    let a = ctx.connected().await?;
    let id = needs_approval(ctx, &a)
        .await?
        .approval_id
        .unwrap_or_default();
    let b = ctx.connected().await?;
    ctx.err(poll_cmd(&b, &id), "NotFound").await.map(|_| ())
});

sdk_fn!(wait_helper, |ctx| {
    // With an injectable clock the helper's sleeps cost no wall time.
    let manual = ctx.hello.capabilities.iter().any(|c| c == "clock");
    let c = ctx.client(json!({"manual_clock": manual})).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    ctx.tap.rule(
        Rule::on(
            "/poll",
            respond_json(200, json!({"status": "pending", "retry_after_seconds": 1})),
        )
        .times(1),
    );
    ctx.tap.rule(
        Rule::on(
            "/poll",
            respond_json(200, json!({"status": "approved", "receipt_id": "r-1"})),
        )
        .times(1),
    );
    let r = ctx.ok(json!({"cmd": "wait_for_approval", "client": c, "approval_id": UNKNOWN_ID, "timeout_ms": 10000})).await?;
    ensure_eq("final status", json!("approved"), r["status"].clone())?;
    ensure_eq("polls", 2, ctx.sent("/poll").len())?;
    ensure_eq(
        "executes (the helper never re-executes)",
        0,
        ctx.sent("/execute").len(),
    )
});

sdk_fn!(poll_error_bodies, |ctx| {
    let c = ctx.connected().await?;
    let mut problems = Vec::new();
    for (status, kind) in [(401, "AuthError"), (404, "NotFound"), (503, "Unavailable")] {
        ctx.tap
            .rule(Rule::on("/poll", respond_raw(status, None, b"")).times(1));
        match ctx.cmd(poll_cmd(&c, UNKNOWN_ID)).await? {
            Reply::Err(e) if e.kind == kind && e.code.is_none() => {}
            other => problems.push(format!(
                "empty {status}: expected {kind} with code null, got {}",
                other.describe()
            )),
        }
    }
    ensure(problems.is_empty(), || problems.join("\n"))
});

sdk_fn!(stale_session, |ctx| {
    let gate_clock = ctx
        .env
        .clock
        .clone()
        .ok_or_else(|| Failure::skip("needs the gate's clock"))?;
    let c = ctx.client(json!({"manual_clock": true})).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    let id = needs_approval(ctx, &c)
        .await?
        .approval_id
        .unwrap_or_default();
    gate_clock.advance(301);
    ctx.ok(json!({"cmd": "advance_clock", "client": c, "secs": 301}))
        .await?;
    let e = ctx.err(poll_cmd(&c, &id), "NotFound").await?;
    ensure_eq(
        "lease requests (the creating lease expired, so the poll re-leased)",
        2,
        ctx.leases().len(),
    )?;
    ensure_eq("stale_session", Some(true), e.stale_session)
});

sdk_fn!(rcpt_fetch, |ctx| {
    let c = ctx.connected().await?;
    let r = exec(ctx, &c).await?;
    let rid = r["receipt_id"].as_str().unwrap_or_default().to_string();
    ctx.ok(json!({"cmd": "get_receipt", "client": c, "receipt_id": rid}))
        .await?;
    let e = ctx
        .sent("/v1/receipts/")
        .first()
        .cloned()
        .ok_or_else(|| Failure::fail("no receipt request"))?;
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
    ctx.err(
        json!({"cmd": "get_receipt", "client": c, "receipt_id": UNKNOWN_ID}),
        "NotFound",
    )
    .await
    .map(|_| ())
});

sdk_fn!(rcpt_members, |ctx| {
    let c = ctx.connected().await?;
    let r = exec(ctx, &c).await?;
    let rid = r["receipt_id"].as_str().unwrap_or_default().to_string();
    let got = ctx
        .ok(json!({"cmd": "get_receipt", "client": c, "receipt_id": rid}))
        .await?;
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
    ctx.tap.rule(
        Rule::on(
            "/v1/receipts/",
            super::tap::Action::Rewrite(std::sync::Arc::new(swap)),
        )
        .times(1),
    );
    ctx.err(
        json!({"cmd": "get_receipt", "client": c, "receipt_id": rid}),
        "ProtocolError",
    )
    .await
    .map(|_| ())
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
        ctx.tap
            .rule(Rule::on("/v1/receipts/", respond_json(200, body)).times(1));
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

sdk_fn!(disc_unauthenticated, |ctx| {
    let c = ctx.client(json!({"agent_id": null})).await?;
    ctx.ok(json!({"cmd": "get_action", "client": c, "action_id": ACTION}))
        .await?;
    ensure_eq("lease requests", 0, ctx.leases().len())?;
    let e = ctx
        .sent("/v1/actions/")
        .first()
        .cloned()
        .ok_or_else(|| Failure::fail("no discovery request"))?;
    ensure(
        e.header("authorization").is_none() && e.header("dpop").is_none(),
        || "discovery carried Authorization or DPoP".into(),
    )
});

sdk_fn!(disc_calls, |ctx| {
    let c = ctx.client(json!({})).await?;
    let r = ctx.ok(json!({"cmd": "list_actions", "client": c})).await?;
    let ids: Vec<&str> = r["actions"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["action_id"].as_str()).collect())
        .unwrap_or_default();
    ensure(ids.contains(&ACTION), || {
        format!("list_actions did not return {ACTION}: {ids:?}")
    })
});

sdk_fn!(disc_health, |ctx| {
    let c = ctx.client(json!({})).await?;
    let h = ctx.ok(json!({"cmd": "health", "client": c})).await?;
    ensure_eq("healthz", json!({"status": "ok"}), h["healthz"].clone())?;
    ensure_eq("ready", json!(true), h["ready"].clone())?;
    let body = json!({"status": "not_ready", "redis": true, "opa": true, "ledger": false, "approval_store": true, "egress_proxy": null, "actions_registered": 4});
    ctx.tap
        .rule(Rule::on("/readyz", respond_json(503, body)).times(1));
    let h = ctx.ok(json!({"cmd": "health", "client": c})).await?;
    ensure_eq(
        "ready on a 503 readiness body",
        json!(false),
        h["ready"].clone(),
    )
});

sdk_fn!(egr_profile, |ctx| {
    let c = ctx.connected().await?;
    let r = ctx
        .ok(json!({"cmd": "get_action", "client": c, "action_id": "http_fetch"}))
        .await?;
    ensure_eq(
        "egress kind of http_fetch",
        json!("proxy_allowlist"),
        r["egress"]["kind"].clone(),
    )?;
    ctx.err(
        json!({"cmd": "get_action", "client": c, "action_id": "lgc_no_such_action"}),
        "NotFound",
    )
    .await
    .map(|_| ())
});

sdk_fn!(egr_shapes, |ctx| {
    let c = ctx.connected().await?;
    let mut problems = Vec::new();
    let cases = [
        (json!("none"), "none", json!([])),
        (
            json!({"proxy_allowlist": {"allowed_domains": ["a.example", "b.example"]}}),
            "proxy_allowlist",
            json!(["a.example", "b.example"]),
        ),
        (Value::Null, "unknown", Value::Null),
        (
            json!({"profile": "proxy_allowlist", "allowed_domains": []}),
            "unknown",
            Value::Null,
        ),
    ];
    for (egress, kind, domains) in cases {
        let body = json!({"action_id": "x", "version": "1", "provider_module_digest": "builtin:fs", "risk_level": "low",
            "resource_limits": {"fuel": 1000000, "memory_mb": 64, "timeout_seconds": 30, "max_io_calls": 10, "max_host_response_bytes": 10485760},
            "io": {"max_request_bytes": 65536, "max_response_bytes": 1048576, "has_request_schema": false, "has_response_schema": false},
            "egress": egress, "declared_side_effects": []});
        ctx.tap.rule(
            Rule::on("/v1/actions/", respond_json(200, body))
                .method("GET")
                .times(1),
        );
        let got = ctx
            .ok(json!({"cmd": "get_action", "client": c, "action_id": "x"}))
            .await?;
        if got["egress"]["kind"] != json!(kind)
            || (!domains.is_null() && got["egress"]["domains"] != domains)
        {
            problems.push(format!(
                "egress {egress}: expected {kind} {domains}, got {}",
                got["egress"]
            ));
        }
    }
    ensure(problems.is_empty(), || problems.join("\n"))
});
