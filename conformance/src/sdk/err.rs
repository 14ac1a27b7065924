//! `sdk.err.*`: error mapping — the execute table of SDK-CONTRACT §2, attributes, codes, reasons,
//! transport errors and closed clients.

use super::tap::{respond_raw, Action};
use super::{exec, execute_cmd, SdkCtx};
use crate::check::{ensure_eq, Check, Failure};
use crate::driver::Reply;
use serde_json::{json, Value};

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
pub(super) async fn play(
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
    ctx.tap.once("/execute", action);
    ctx.cmd(execute_cmd(c)).await
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

pub(super) fn report(problems: Vec<String>, what: &str) -> Check {
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
        let e = match play_row(ctx, &c, &row).await? {
            Reply::Err(e) => e,
            ok => {
                problems.push(format!(
                    "{} {}: expected an error with its attributes, got {}",
                    row.status,
                    row.body,
                    ok.describe()
                ));
                continue;
            }
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
                row.status, row.body, row.status, code, row.transient, row.may_have_executed, want_retry, e.describe()
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
    ctx.err_before_io(execute_cmd(&d), "Closed", "a call after close")
        .await
});

sdk_fn!(budget_via_policy, |ctx| {
    let c = ctx.client(json!({})).await?;
    ctx.ok(json!({"cmd": "connect", "client": c, "max_calls": 1}))
        .await?;
    exec(ctx, &c).await?;
    let e = ctx.exec_err(&c, "BudgetExhausted").await?;
    ensure_eq(
        "code of the policy exhaustion",
        Some("policy_denied".to_string()),
        e.code,
    )
});
