//! Admin operations on the running gate: drain, reload of the policy file, revoke-all.

use latchgate_mock::MockGate;
use serde_json::json;

use crate::support::{leased, post_lease, Agent, Op, Target};

#[tokio::test]
async fn drain_blocks_leases_execute_and_approve_but_not_deny() {
    let (g, a, l) = leased().await;
    let id = a.pending(&g, &l).await;
    let op = Op::of(&g);
    let d = op.post(&g, "/v1/admin/drain").await;
    assert_eq!(
        d.text(),
        r#"{"already_draining":false,"draining":true,"in_flight_executions":0}"#
    );
    let draining = r#"{"error":"draining"}"#;
    let lease = post_lease(&Target::client(&g), &a.lease_request()).await;
    lease.assert_is(503, draining, "a lease while draining");
    assert_eq!(
        a.execute(&g, &l, "http_fetch", &json!({})).await.text(),
        draining
    );
    assert_eq!(op.approve(&g, &id).await.text(), draining);
    assert_eq!(op.deny(&g, &id).await.status, 200);
}

#[tokio::test]
async fn reload_rereads_the_policy_file() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.json");
    std::fs::write(&policy, r#"{"policy_version":"v1","acl":{"*":{"allowed_actions":["http_fetch"],"allowed_sinks":["http_read"]}}}"#).unwrap();
    let g = MockGate::builder()
        .policy_file(&policy)
        .start()
        .await
        .unwrap();
    std::fs::write(&policy, r#"{"policy_version":"v2","acl":{}}"#).unwrap();
    let r = Op::of(&g).post(&g, "/v1/admin/reload").await;
    let v = r.json();
    assert_eq!(
        (
            v["ok"].as_bool(),
            v["actions"].as_u64(),
            v["policy_version"].as_str()
        ),
        (Some(true), Some(4), Some("v2"))
    );
    let a = Agent::new();
    let l = a.lease(&g).await;
    assert_eq!(a.fetch_ok(&g, &l).await.status, 403);
}

#[tokio::test]
async fn revoke_all_bumps_the_epoch_and_leaves_leases_valid() {
    let (g, a, l) = leased().await;
    let op = Op::of(&g);
    assert_eq!(
        op.post(&g, "/v1/admin/revoke-all").await.text(),
        r#"{"current_epoch":1,"previous_epoch":0}"#
    );
    assert_eq!(
        op.get(&g, "/v1/admin/epoch").await.text(),
        r#"{"current_epoch":1}"#
    );
    assert_eq!(a.fetch_ok(&g, &l).await.status, 200);
}
