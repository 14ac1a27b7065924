//! Differences once found between the mock and a running gate v0.2.0, kept as scenarios so the
//! suite catches them in any gate: Rego `glob.match` on dotted paths, the plan's approved
//! targets, record timestamps, the metrics exposition.

use super::{approval_params, exec_params, expect_status, GateCtx, GateFn, EXEC_ACTION};
use crate::check::{ensure, ensure_eq, Check, Failure};
use serde_json::{json, Value};

pub(super) fn lookup(id: &str) -> Option<GateFn> {
    Some(match id {
        "policy.fs.sensitive-dotted-path-denied-by-provider" => dotted_sensitive_path,
        "approvals.detail.approved-targets-are-sinks" => approved_targets,
        "approvals.timestamps.nanoseconds" => nanosecond_timestamps,
        "metrics.exposition.families" => metrics_families,
        _ => return None,
    })
}

/// Paths the manifest denies whose sensitive glob the Rego `glob.match` does not match, because
/// `**` does not cross a `.` there: no approval, the provider refuses them.
const DOTTED_DENIED: [&str; 3] = [
    "config/secrets/api.txt",
    "home/.ssh/id_rsa.pub",
    "my.app/.env",
];

scenario_fn!(dotted_sensitive_path, |ctx| {
    let lease = ctx.lease().await?;
    for path in DOTTED_DENIED {
        let params = json!({"operation": "read", "path": path});
        let resp = ctx.execute(&lease, EXEC_ACTION, &params).await?;
        expect_status(
            &resp,
            200,
            &format!("fs_read of {path} (denied by the provider, not held)"),
        )?;
        let body = resp.json().unwrap_or_default();
        ensure_eq(
            &format!("provider error code for {path}"),
            json!("path_denied"),
            body["output"]["error"]["code"].clone(),
        )?;
    }
    Ok(())
});

/// A pending approval's detail (operator view).
async fn pending_detail(ctx: &mut GateCtx) -> Check<Value> {
    let lease = ctx.lease().await?;
    let resp = ctx.execute(&lease, EXEC_ACTION, &approval_params()).await?;
    expect_status(&resp, 202, "a call needing approval")?;
    let id = resp
        .json()
        .and_then(|b| b["approval_id"].as_str().map(str::to_string))
        .ok_or_else(|| Failure::fail("202 body has no approval_id"))?;
    let detail = ctx.operator("GET", &format!("/v1/approvals/{id}")).await?;
    expect_status(&detail, 200, "approval detail")?;
    detail
        .json()
        .ok_or_else(|| Failure::fail("approval detail is not JSON"))
}

/// The sinks the policy data grants `principal`: its own entry (with the wildcard's when it
/// inherits), else the wildcard's.
fn sinks_of(policy: &Value, principal: &str) -> Value {
    let acl = &policy["acl"];
    let wildcard = acl["*"]["allowed_sinks"].clone();
    match acl.get(principal) {
        None | Some(Value::Null) => wildcard,
        Some(e) if e["inherits_wildcard"] == json!(true) => {
            let mut all: Vec<String> = [&e["allowed_sinks"], &wildcard]
                .iter()
                .filter_map(|v| v.as_array())
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect();
            all.sort();
            all.dedup();
            json!(all)
        }
        Some(e) => e["allowed_sinks"].clone(),
    }
}

scenario_fn!(approved_targets, |ctx| {
    let detail = pending_detail(ctx).await?;
    let principal = detail["principal"].as_str().unwrap_or_default().to_string();
    let policy = ctx.operator("GET", "/v1/admin/policy").await?;
    expect_status(&policy, 200, "policy read")?;
    let want = sinks_of(&policy.json().unwrap_or_default(), &principal);
    ensure_eq(
        &format!("approved_targets = the allowed sinks of {principal}"),
        want,
        detail["approved_targets"].clone(),
    )
});

/// chrono `to_rfc3339()` of a nanosecond instant: `+00:00` and 9 fractional digits (6 when the
/// last three are zero).
fn nanosecond_rfc3339(text: &str) -> bool {
    let Some(rest) = text.strip_suffix("+00:00") else {
        return false;
    };
    let Some((secs, frac)) = rest.split_once('.') else {
        return false;
    };
    secs.len() == 19
        && chrono::NaiveDateTime::parse_from_str(secs, "%Y-%m-%dT%H:%M:%S").is_ok()
        && matches!(frac.len(), 6 | 9)
        && frac.bytes().all(|b| b.is_ascii_digit())
}

scenario_fn!(nanosecond_timestamps, |ctx| {
    let detail = pending_detail(ctx).await?;
    for field in ["created_at", "expires_at"] {
        let text = detail[field].as_str().unwrap_or_default();
        ensure(nanosecond_rfc3339(text), || {
            format!("approval {field} {text:?} is not RFC 3339 +00:00 with nanoseconds")
        })?;
    }
    Ok(())
});

/// The gate's families, in registration order; prometheus-client lists a labelled family only
/// once it has a sample.
const FAMILIES: [(&str, &str); 19] = [
    ("latchgate_calls_total", "counter"),
    ("latchgate_dpop_rejects_total", "counter"),
    ("latchgate_policy_decisions_total", "counter"),
    ("latchgate_budget_exhausted_total", "counter"),
    ("latchgate_budget_rollback_failures_total", "counter"),
    ("latchgate_provider_timeouts_total", "counter"),
    ("latchgate_provider_errors_total", "counter"),
    ("latchgate_action_duration_seconds", "histogram"),
    ("latchgate_audit_write_errors_total", "counter"),
    ("latchgate_response_schema_violations_total", "counter"),
    ("latchgate_unresolved_intents", "gauge"),
    ("latchgate_oldest_pending_approval_seconds", "gauge"),
    ("latchgate_webhook_outbox_pending", "gauge"),
    ("latchgate_ledger_write_duration_seconds", "histogram"),
    ("latchgate_opa_request_duration_seconds", "histogram"),
    ("latchgate_redis_request_duration_seconds", "histogram"),
    ("latchgate_readyz_degraded_total", "counter"),
    ("latchgate_webhook_drops_total", "counter"),
    ("latchgate_coarse_clock_unix_seconds", "gauge"),
];

/// Families listed after one allowed call: the unlabelled ones and those the call samples.
const LISTED_AFTER_A_CALL: [&str; 14] = [
    "latchgate_calls_total",
    "latchgate_policy_decisions_total",
    "latchgate_budget_exhausted_total",
    "latchgate_budget_rollback_failures_total",
    "latchgate_action_duration_seconds",
    "latchgate_audit_write_errors_total",
    "latchgate_unresolved_intents",
    "latchgate_oldest_pending_approval_seconds",
    "latchgate_webhook_outbox_pending",
    "latchgate_ledger_write_duration_seconds",
    "latchgate_opa_request_duration_seconds",
    "latchgate_redis_request_duration_seconds",
    "latchgate_webhook_drops_total",
    "latchgate_coarse_clock_unix_seconds",
];

/// Whether `listed` (`name type`) follows the gate's families in order, each at most once.
fn in_registration_order(listed: &[String]) -> bool {
    let mut rest = FAMILIES.iter().map(|(n, t)| format!("{n} {t}"));
    listed.iter().all(|l| rest.any(|f| &f == l))
}

/// The sample of an allowed call (`…_total_total`: prometheus-client appends `_total` to a
/// counter registered with a `_total` name).
fn allowed_call_count(text: &str) -> Option<u64> {
    let prefix =
        format!("latchgate_calls_total_total{{action=\"{EXEC_ACTION}\",decision=\"allow\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .and_then(|n| n.parse().ok())
}

scenario_fn!(metrics_families, |ctx| {
    let lease = ctx.lease().await?;
    let resp = ctx.execute(&lease, EXEC_ACTION, &exec_params()).await?;
    expect_status(&resp, 200, "an allowed call")?;
    let m = ctx.operator("GET", "/metrics").await?;
    expect_status(&m, 200, "/metrics")?;
    ensure_eq(
        "content-type",
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        m.header("content-type"),
    )?;
    let text = m.text();
    let types: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(str::to_string)
        .collect();
    ensure(in_registration_order(&types), || {
        format!("# TYPE lines are not the gate's families in registration order: {types:?}")
    })?;
    for name in LISTED_AFTER_A_CALL {
        ensure(
            types.iter().any(|t| t.split(' ').next() == Some(name)),
            || format!("family {name} is not listed after an allowed call"),
        )?;
    }
    ensure(
        text.contains("# HELP latchgate_calls_total Total action calls.\n"),
        || "no '# HELP latchgate_calls_total Total action calls.' line".into(),
    )?;
    ensure(text.ends_with("# EOF\n"), || {
        "the exposition does not end with '# EOF'".into()
    })?;
    ensure(allowed_call_count(&text).is_some_and(|n| n >= 1), || {
        "no latchgate_calls_total_total{action=\"fs_read\",decision=\"allow\"} sample ≥ 1".into()
    })
});
