//! Budgets: `max_calls` debits, exhaustion, what a hold or a provider failure costs.

use serde_json::json;

use crate::support::{gate, Agent, Op, Resp};

/// Asserts `r` is the policy's budget-exhaustion denial; `what` names the call.
#[track_caller]
fn assert_exhausted(r: &Resp, what: &str) {
    let reason = &r.json()["deny_reason"];
    assert_eq!(reason, "budget exhausted: no calls remaining", "{what}");
}

#[tokio::test]
async fn budget_allows_max_calls_then_policy_denies_exhaustion() {
    let g = gate().await;
    let a = Agent::new();
    let l = a.lease_with(&g, json!({"budgets": {"max_calls": 2}})).await;
    assert_eq!(a.fetch_ok(&g, &l).await.status, 200);
    assert_eq!(a.fetch_ok(&g, &l).await.status, 200);
    let r = a.fetch_ok(&g, &l).await;
    assert_eq!(
        r.text(),
        r#"{"error":"policy_denied","deny_reason":"budget exhausted: no calls remaining","principal":"dev:anonymous","action_id":"http_fetch","remediation":"Run: latchgate policy grant dev:anonymous http_fetch"}"#
    );
}

#[tokio::test]
async fn budgets_without_max_calls_are_born_exhausted() {
    let g = gate().await;
    for budgets in [
        json!({}),
        json!({"max_calls": null}),
        json!({"max_cost_usd_cents": 100}),
        json!({"max_calls": 0}),
    ] {
        let a = Agent::new();
        let l = a.lease_with(&g, json!({"budgets": budgets})).await;
        let r = a.fetch_ok(&g, &l).await;
        assert_exhausted(&r, &format!("budgets {budgets}"));
    }
}

#[tokio::test]
async fn pending_approval_does_not_debit_and_approval_debits_the_original_session() {
    let g = gate().await;
    let a = Agent::new();
    let l = a.lease_with(&g, json!({"budgets": {"max_calls": 1}})).await;
    let id = a.pending(&g, &l).await;
    assert_eq!(Op::of(&g).approve(&g, &id).await.status, 200);
    let r = a.fetch_ok(&g, &l).await;
    assert_exhausted(&r, "a call after the approved one");
}

#[tokio::test]
async fn provider_failure_is_502_and_not_refunded() {
    let spec = latchgate_mock::ActionSpec::from_yaml(
        "action_id: flaky\nversion: '1'\nprovider_module_digest: 'builtin:custom'\nrisk_level: low\n",
    )
    .unwrap();
    let provider = std::sync::Arc::new(latchgate_mock::FnProvider(|_c| {
        Err(latchgate_mock::ProviderError::runtime("boom"))
    }));
    let g = latchgate_mock::MockGate::builder()
        .action_with_provider(spec, provider)
        .grant("*", &["flaky"], &[])
        .start()
        .await
        .unwrap();
    let a = Agent::new();
    let l = a.lease_with(&g, json!({"budgets": {"max_calls": 1}})).await;
    let r = a.execute(&g, &l, "flaky", &json!({})).await;
    r.assert_is(
        502,
        r#"{"error":"action_execution_failed"}"#,
        "the failing call",
    );
    let r = a.execute(&g, &l, "flaky", &json!({})).await;
    assert_exhausted(&r, "a call after the failed one");
}
