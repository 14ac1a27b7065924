//! `metrics.*`: the Prometheus exposition as a running gate v0.2.0 writes it (families, order,
//! the allowed-call counter).

use super::{expect_status, EXEC_ACTION};
use crate::check::{ensure, ensure_eq};

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
    ctx.executed().await?;
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
