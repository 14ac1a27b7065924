//! SDK scenarios: error mapping, bodies, request encoding, network behaviour, lifecycle, packaging.

use super::tap::{respond_json, respond_raw, Action, Rule};
use super::{describe, exec, params, SdkCtx, SdkFn, ACTION};
use crate::check::{ensure, ensure_eq, Check, Failure};
use crate::driver::{ErrorOutcome, Reply};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub(super) fn lookup(id: &str) -> Option<SdkFn> {
    Some(match id {
        "sdk.err.exec-status-mapping" => status_mapping,
        "sdk.err.attributes" => attributes,
        "sdk.err.code-extraction" => code_extraction,
        "sdk.err.non-object-bodies" => non_object_bodies,
        "sdk.err.reason" => reason,
        "sdk.err.kind-not-message" => kind_not_message,
        "sdk.err.transport-and-closed" => transport_and_closed,
        "sdk.err.budget-via-policy" => budget_via_policy,
        "sdk.body.success-not-json" => success_not_json,
        "sdk.body.required-member-missing" => required_member_missing,
        "sdk.body.decision-not-executed" => decision_not_executed,
        "sdk.body.result-members" => result_members,
        "sdk.req.body-is-params" => body_is_params,
        "sdk.req.params-not-object" => params_not_object,
        "sdk.req.oversized-body" => oversized_body,
        "sdk.net.timeout" => net_timeout,
        "sdk.net.sent-may-have-executed" => sent_may_have_executed,
        "sdk.net.no-retry" => no_retry,
        "sdk.net.no-redirect" => no_redirect,
        "sdk.net.http11" => http11,
        "sdk.life.close" => life_close,
        "sdk.life.concurrent-use" => concurrent_use,
        "sdk.pkg.version" => pkg_version,
        "sdk.pkg.runtime" => pkg_runtime,
        _ => return None,
    })
}

/// One row of the execute mapping table (SDK-CONTRACT §2).
struct Row {
    status: u16,
    body: Value,
    retry_after: Option<&'static str>,
    kind: &'static str,
    transient: bool,
    may_have_executed: bool,
}

fn rows() -> Vec<Row> {
    let r = |status, code: &str, kind, transient, mhe| Row {
        status,
        body: json!({"error": code}),
        retry_after: None,
        kind,
        transient,
        may_have_executed: mhe,
    };
    let mut v = vec![
        r(400, "bad_request", "Denied", false, false),
        r(401, "lease_expired", "LeaseExpired", true, false),
        r(401, "replay_detected", "ReplayDetected", true, false),
        r(401, "missing_auth_header", "AuthError", false, false),
        r(403, "budget_exhausted", "BudgetExhausted", false, false),
        r(403, "action_not_registered", "Denied", false, false),
        r(404, "action_not_found", "NotFound", false, false),
        r(409, "grant_consumed", "Conflict", true, false),
        r(422, "schema_violation", "Denied", false, true),
        r(500, "internal_error", "OutcomeUnknown", false, true),
        r(
            502,
            "action_execution_failed",
            "OutcomeUnknown",
            false,
            true,
        ),
        r(503, "draining", "Unavailable", true, false),
        r(503, "lgc_unlisted_code", "OutcomeUnknown", false, true),
        r(504, "gateway_timeout", "OutcomeUnknown", false, true),
        r(418, "teapot", "Denied", false, false),
    ];
    v.push(Row {
        retry_after: Some("1"),
        ..r(429, "rate_limited", "Unavailable", true, false)
    });
    v
}

/// Plays one canned execute answer and returns the driver's outcome.
async fn play(
    ctx: &mut SdkCtx,
    c: &str,
    status: u16,
    body: Vec<u8>,
    content_type: Option<&str>,
    headers: Vec<(String, String)>,
) -> Check<Reply> {
    let mut action = respond_raw(status, content_type, &body);
    if let Action::Respond { headers: h, .. } = &mut action {
        *h = headers;
    }
    ctx.tap.rule(Rule::on("/execute", action).times(1));
    ctx.cmd(json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()}))
        .await
}

async fn play_row(ctx: &mut SdkCtx, c: &str, row: &Row) -> Check<Reply> {
    let headers = row
        .retry_after
        .map(|r| vec![("retry-after".to_string(), r.to_string())])
        .unwrap_or_default();
    play(
        ctx,
        c,
        row.status,
        serde_json::to_vec(&row.body).unwrap_or_default(),
        Some("application/json"),
        headers,
    )
    .await
}

fn report(problems: Vec<String>, what: &str) -> Check {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::mismatch(
            format!("{} of {what} differ", problems.len()),
            "the SDK-CONTRACT §2 row",
            problems.join("\n"),
        ))
    }
}

sdk_fn!(status_mapping, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-mapping"})).await?;
    let mut problems = Vec::new();
    for row in rows() {
        let got = play_row(ctx, &c, &row).await?;
        if got.kind() != row.kind {
            problems.push(format!(
                "{} {}: expected {}, got {}",
                row.status,
                row.body,
                row.kind,
                got.describe()
            ));
        }
    }
    report(problems, "the execute mappings")
});

sdk_fn!(attributes, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-attributes"})).await?;
    let mut problems = Vec::new();
    for row in rows() {
        let Reply::Err(e) = play_row(ctx, &c, &row).await? else {
            continue;
        };
        let code = row.body["error"].as_str().map(str::to_string);
        let want_retry = row.retry_after.and_then(|r| r.parse().ok());
        if e.status != Some(row.status)
            || e.code != code
            || e.transient != Some(row.transient)
            || e.may_have_executed != Some(row.may_have_executed)
            || e.retry_after != want_retry
        {
            problems.push(format!(
                "{} {}: expected status {} code {:?} transient {} may_have_executed {} retry_after {:?}; got {}",
                row.status, row.body, row.status, code, row.transient, row.may_have_executed, want_retry, describe(&e)
            ));
        }
    }
    report(problems, "the error attributes")
});

fn expect_err(got: Reply, kind: &str, code: Option<&str>, label: &str, problems: &mut Vec<String>) {
    match got {
        Reply::Err(e) if e.kind == kind && e.code.as_deref() == code => {}
        other => problems.push(format!(
            "{label}: expected {kind} with code {code:?}, got {}",
            other.describe()
        )),
    }
}

/// A canned 403 body: label, bytes, content type, the code the SDK must expose.
type BodyCase = (
    &'static str,
    Vec<u8>,
    Option<&'static str>,
    Option<&'static str>,
);

sdk_fn!(code_extraction, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-codes"})).await?;
    let mut problems = Vec::new();
    let cases: Vec<BodyCase> = vec![
        (
            "string error",
            br#"{"error":"x"}"#.to_vec(),
            Some("application/json"),
            Some("x"),
        ),
        (
            "object error",
            br#"{"error":{"k":1}}"#.to_vec(),
            Some("application/json"),
            None,
        ),
        (
            "plain text",
            b"policy_denied".to_vec(),
            Some("text/plain"),
            None,
        ),
        (
            "JSON under text/plain",
            br#"{"error":"y"}"#.to_vec(),
            Some("text/plain"),
            Some("y"),
        ),
    ];
    for (label, body, ct, code) in cases {
        let got = play(ctx, &c, 403, body, ct, vec![]).await?;
        expect_err(got, "Denied", code, label, &mut problems);
    }
    report(problems, "the code extractions")
});

sdk_fn!(non_object_bodies, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-bodies"})).await?;
    let bodies: Vec<(&str, &[u8], Option<&str>)> = vec![
        ("[]", b"[]", Some("application/json")),
        ("null", b"null", Some("application/json")),
        ("\"s\"", b"\"s\"", Some("application/json")),
        ("7", b"7", Some("application/json")),
        ("true", b"true", Some("application/json")),
        ("empty", b"", None),
        ("text", b"Service Unavailable", Some("text/plain")),
        (
            "html",
            b"<html><body>bad gateway</body></html>",
            Some("text/html"),
        ),
    ];
    let mut problems = Vec::new();
    for (status, kind) in [(403, "Denied"), (503, "OutcomeUnknown"), (404, "NotFound")] {
        for (label, body, ct) in &bodies {
            let got = play(ctx, &c, status, body.to_vec(), *ct, vec![]).await?;
            expect_err(
                got,
                kind,
                None,
                &format!("{status} with body {label}"),
                &mut problems,
            );
        }
    }
    report(problems, "the odd error bodies")
});

sdk_fn!(reason, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-reason"})).await?;
    let mut problems = Vec::new();
    let cases = [
        (
            json!({"error": "policy_denied", "deny_reason": "r-deny", "message": "m"}),
            Some("r-deny"),
        ),
        (
            json!({"error": "fs_root_denied", "message": "m-msg"}),
            Some("m-msg"),
        ),
        (json!({"error": "action_not_registered"}), None),
    ];
    for (body, want) in cases {
        match play(
            ctx,
            &c,
            403,
            serde_json::to_vec(&body).unwrap_or_default(),
            Some("application/json"),
            vec![],
        )
        .await?
        {
            Reply::Err(e) if e.reason.as_deref() == want => {}
            other => problems.push(format!(
                "{body}: expected reason {want:?}, got {}",
                other.describe()
            )),
        }
    }
    report(problems, "the reasons")
});

sdk_fn!(kind_not_message, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-msg"})).await?;
    let mut seen = Vec::new();
    for r in ["first wording", "a completely different wording"] {
        let body = serde_json::to_vec(&json!({"error": "policy_denied", "deny_reason": r}))
            .unwrap_or_default();
        match play(ctx, &c, 403, body, Some("application/json"), vec![]).await? {
            Reply::Err(e) => seen.push((e.kind, e.code)),
            Reply::Ok(v) => return Err(Failure::fail(format!("a 403 was a success: {v}"))),
        }
    }
    ensure_eq(
        "kind and code for two deny_reason wordings",
        seen[0].clone(),
        seen[1].clone(),
    )?;
    ensure_eq("kind", "Denied", seen[0].0.as_str())
});

sdk_fn!(transport_and_closed, |ctx| {
    let c = ctx
        .client(json!({"base_url": "http://127.0.0.1:9", "agent_id": "agent-refused"}))
        .await?;
    ctx.err(json!({"cmd": "connect", "client": c}), "TransportError")
        .await?;
    let d = ctx.connected().await?;
    ctx.ok(json!({"cmd": "close", "client": d})).await?;
    let before = ctx.tap.connections();
    ctx.err(
        json!({"cmd": "execute", "client": d, "action_id": ACTION, "params": params()}),
        "Closed",
    )
    .await?;
    ctx.no_io_since(before, "a call after close")
});

sdk_fn!(budget_via_policy, |ctx| {
    let c = ctx.client(json!({})).await?;
    ctx.ok(json!({"cmd": "connect", "client": c, "max_calls": 1}))
        .await?;
    exec(ctx, &c).await?;
    let e = ctx
        .err(
            json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()}),
            "BudgetExhausted",
        )
        .await?;
    ensure_eq(
        "code of the policy exhaustion",
        Some("policy_denied".to_string()),
        e.code,
    )
});

async fn expect_protocol(
    ctx: &mut SdkCtx,
    c: &str,
    body: Vec<u8>,
    ct: Option<&str>,
    label: &str,
    problems: &mut Vec<String>,
) -> Check<Option<ErrorOutcome>> {
    match play(ctx, c, 200, body, ct, vec![]).await? {
        Reply::Err(e) if e.kind == "ProtocolError" => Ok(Some(e)),
        other => {
            problems.push(format!(
                "{label}: expected ProtocolError, got {}",
                other.describe()
            ));
            Ok(None)
        }
    }
}

sdk_fn!(success_not_json, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-bodies"})).await?;
    let mut problems = Vec::new();
    for (label, body, ct) in [
        ("text", b"ok".to_vec(), Some("text/plain")),
        ("empty", vec![], None),
        ("array", b"[]".to_vec(), Some("application/json")),
    ] {
        expect_protocol(ctx, &c, body, ct, label, &mut problems).await?;
    }
    report(problems, "the success bodies")
});

fn executed_body() -> Value {
    json!({"decision": "executed", "trace_id": "t-1", "action_id": ACTION, "grant_id": "g-1", "receipt_id": "r-1", "output": {"ok": true},
           "verification_outcome": "unverifiable_declared", "verification": {"outcome": "unverifiable_declared", "is_fully_successful": true},
           "runtime": {"duration_ms": 1, "exit_code": 0, "fuel_consumed": 1}})
}

sdk_fn!(required_member_missing, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-members"})).await?;
    let mut problems = Vec::new();
    let mut missing = executed_body();
    missing.as_object_mut().map(|o| o.remove("receipt_id"));
    let mut mistyped = executed_body();
    mistyped["trace_id"] = json!(7);
    for (label, body) in [("no receipt_id", missing), ("numeric trace_id", mistyped)] {
        expect_protocol(
            ctx,
            &c,
            serde_json::to_vec(&body).unwrap_or_default(),
            Some("application/json"),
            label,
            &mut problems,
        )
        .await?;
    }
    report(problems, "the malformed success bodies")
});

sdk_fn!(decision_not_executed, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-decision"})).await?;
    let mut body = executed_body();
    body["decision"] = json!("pending_approval");
    let mut problems = Vec::new();
    if let Some(e) = expect_protocol(
        ctx,
        &c,
        serde_json::to_vec(&body).unwrap_or_default(),
        Some("application/json"),
        "decision pending_approval",
        &mut problems,
    )
    .await?
    {
        if e.may_have_executed != Some(true) {
            problems.push(format!(
                "may_have_executed must be true on an execute ProtocolError, got {:?}",
                e.may_have_executed
            ));
        }
    }
    report(problems, "the decision checks")
});

sdk_fn!(result_members, |ctx| {
    let c = ctx.connected().await?;
    let got = exec(ctx, &c).await?;
    let e = ctx
        .sent("/execute")
        .first()
        .cloned()
        .ok_or_else(|| Failure::fail("no execute request"))?;
    let sent = e.response_json().unwrap_or_default();
    for k in ["trace_id", "grant_id", "receipt_id", "output"] {
        ensure_eq(&format!("result {k}"), sent[k].clone(), got[k].clone())?;
    }
    ensure_eq(
        "is_fully_successful as the gate sent it",
        sent["verification"]["is_fully_successful"].clone(),
        got["is_fully_successful"].clone(),
    )
});

sdk_fn!(body_is_params, |ctx| {
    let c = ctx.connected().await?;
    exec(ctx, &c).await?;
    let _ = ctx
        .cmd(json!({"cmd": "execute", "client": c, "action_id": ACTION}))
        .await?;
    let execs = ctx.sent("/execute");
    ensure_eq("execute requests", 2, execs.len())?;
    ensure_eq("body with params", Some(params()), execs[0].json())?;
    ensure_eq("body without params", Some(json!({})), execs[1].json())?;
    ensure(
        execs.iter().all(|e| {
            e.header("content-type")
                .is_some_and(|c| c.starts_with("application/json"))
        }),
        || "execute without Content-Type application/json".into(),
    )
});

sdk_fn!(params_not_object, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-params"})).await?;
    let before = ctx.tap.connections();
    for p in [json!([1]), json!("s")] {
        ctx.err(
            json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": p}),
            "InvalidInput",
        )
        .await?;
    }
    ctx.no_io_since(before, "non-object params")
});

sdk_fn!(oversized_body, |ctx| {
    let c = ctx.client(json!({"agent_id": "agent-big"})).await?;
    let before = ctx.tap.connections();
    let big = json!({"path": "a".repeat(1_100_000)});
    ctx.err(
        json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": big}),
        "InvalidInput",
    )
    .await?;
    ctx.no_io_since(before, "a body over 1 MiB")
});

sdk_fn!(net_timeout, |ctx| {
    let c = ctx.client(json!({"timeout_ms": 250})).await?;
    // The 250 ms are meant for the execute under test; connect is setup, sent again if the
    // machine's load makes it miss them.
    ctx.setup(json!({"cmd": "connect", "client": c})).await?;
    ctx.tap
        .rule(Rule::on("/execute", Action::Delay(Duration::from_millis(1500))).times(1));
    let start = Instant::now();
    ctx.err(
        json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()}),
        "TransportError",
    )
    .await?;
    let took = start.elapsed();
    ensure(took < Duration::from_millis(1200), || {
        format!("a 250 ms timeout took {} ms", took.as_millis())
    })
});

sdk_fn!(sent_may_have_executed, |ctx| {
    let c = ctx.connected().await?;
    ctx.tap
        .rule(Rule::on("/execute", Action::DropAfterGate).times(1));
    let e = ctx
        .err(
            json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()}),
            "TransportError",
        )
        .await?;
    ensure_eq("may_have_executed", Some(true), e.may_have_executed)
});

sdk_fn!(no_retry, |ctx| {
    let c = ctx.connected().await?;
    let actions = [
        respond_json(503, json!({"error": "draining"})),
        respond_json(502, json!({"error": "action_execution_failed"})),
        Action::DropBeforeGate,
    ];
    for (i, a) in actions.into_iter().enumerate() {
        ctx.tap.rule(Rule::on("/execute", a).times(1));
        let _ = ctx
            .cmd(json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()}))
            .await?;
        ensure_eq(
            &format!("execute requests after failure {}", i + 1),
            i + 1,
            ctx.sent("/execute").len(),
        )?;
    }
    Ok(())
});

sdk_fn!(no_redirect, |ctx| {
    let c = ctx.connected().await?;
    let location = format!("{}/v1/lgc-redirected", ctx.tap.url());
    ctx.tap.rule(
        Rule::on(
            "/execute",
            Action::Respond {
                status: 307,
                content_type: None,
                body: vec![],
                headers: vec![("location".into(), location)],
            },
        )
        .times(1),
    );
    ctx.err(
        json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()}),
        "ProtocolError",
    )
    .await?;
    ensure_eq(
        "requests to the redirect target",
        0,
        ctx.sent("lgc-redirected").len(),
    )
});

sdk_fn!(http11, |ctx| {
    let c = ctx.connected().await?;
    let r = exec(ctx, &c).await?;
    let rid = r["receipt_id"].as_str().unwrap_or_default().to_string();
    ctx.ok(json!({"cmd": "get_receipt", "client": c, "receipt_id": rid}))
        .await?;
    ensure(
        ctx.journal().iter().all(|e| e.version == "HTTP/1.1"),
        || "a request was not HTTP/1.1".into(),
    )
});

sdk_fn!(life_close, |ctx| {
    let c = ctx.connected().await?;
    ctx.ok(json!({"cmd": "close", "client": c})).await?;
    ctx.ok(json!({"cmd": "close", "client": c})).await?;
    let before = ctx.tap.connections();
    ctx.err(
        json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()}),
        "Closed",
    )
    .await?;
    ctx.no_io_since(before, "execute after close")
});

sdk_fn!(concurrent_use, |ctx| {
    let c = ctx.connected().await?;
    let r = ctx.ok(json!({"cmd": "execute_many", "client": c, "action_id": ACTION, "params": params(), "count": 10})).await?;
    let results = r["results"].as_array().cloned().unwrap_or_default();
    let failed: Vec<&Value> = results.iter().filter(|x| x.get("ok").is_none()).collect();
    ensure(results.len() == 10 && failed.is_empty(), || {
        format!(
            "{} of 10 concurrent calls failed: {:?}",
            failed.len(),
            failed
        )
    })?;
    let mut jtis: Vec<String> = ctx
        .sent("/execute")
        .iter()
        .filter_map(|e| super::proofs::decode(e).ok())
        .map(|(_, p)| p["jti"].to_string())
        .collect();
    jtis.sort();
    jtis.dedup();
    ensure_eq("distinct jti values", 10, jtis.len())
});

sdk_fn!(pkg_version, |ctx| {
    let v = ctx.hello.sdk.version.clone();
    let parts: Vec<&str> = v.split(['.', '-', '+']).collect();
    ensure(
        parts.len() >= 3 && parts[..3].iter().all(|p| p.parse::<u64>().is_ok()),
        || format!("SDK version '{v}' is not semver"),
    )
});

sdk_fn!(pkg_runtime, |ctx| {
    let r = ctx.hello.sdk.runtime.clone();
    ensure(!r.trim().is_empty(), || {
        "the driver's hello names no runtime".into()
    })
});
