//! Audit ledger contents: the events execute / approve / deny / leases / admin routes write,
//! with the gate's field values.

mod support;

use latchgate_mock::MockGate;
use serde_json::{json, Value};
use support::{
    audit_events as events, gate, jcs_sha256, leased, redact, send, Agent, Op, Target, FETCH_PATH,
    FETCH_UNKNOWN,
};

/// The single event of a trace.
async fn event_of(g: &MockGate, trace_id: &str) -> Value {
    let evs = events(g, &format!("?trace_id={trace_id}")).await;
    assert_eq!(evs.len(), 1, "events of trace {trace_id}: {evs:?}");
    evs[0].clone()
}

fn field<'a>(ev: &'a Value, k: &str) -> &'a Value {
    ev.get(k).unwrap_or(&Value::Null)
}

/// A call held for approval on a fresh gate; the gate and the held answer.
async fn held() -> (MockGate, Value) {
    let (g, a, l) = leased().await;
    let h = a.hold(&g, &l, FETCH_UNKNOWN).await.json();
    (g, h)
}

#[tokio::test]
async fn allowed_execute_is_recorded_as_allow_with_grant_receipt_and_runtime() {
    let (g, a, l) = leased().await;
    let r = a.fetch_ok(&g, &l).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    let ev = event_of(&g, body["trace_id"].as_str().unwrap()).await;
    for (k, want) in [
        ("event_type", json!("action_call")),
        ("decision", json!("allow")),
        ("principal", json!("dev:anonymous")),
        ("session_id", json!(l.session_id)),
        ("lease_jti", l.body["lease_jti"].clone()),
        ("action_id", json!("http_fetch")),
        ("action_version", json!("1.0.0")),
        ("action_trust_verdict", json!("digest_ok")),
        ("risk_level", json!("low")),
        ("request_schema_id", json!("http_fetch:request")),
        ("policy_version", json!("quickstart-init")),
        ("deny_reason", Value::Null),
        ("grant_id", body["grant_id"].clone()),
        ("receipt_id", body["receipt_id"].clone()),
        ("verification_outcome", json!("verified")),
        ("budgets_before", json!({"calls_remaining": i64::MAX})),
        ("budgets_after", json!({"calls_remaining": i64::MAX})),
    ] {
        assert_eq!(field(&ev, k), &want, "field {k} of {ev}");
    }
    assert_eq!(ev["runtime"]["module_digest"], json!("builtin:http_api"));
    assert_eq!(ev["runtime"]["egress_profile"], json!("proxy_allowlist"));
    assert_eq!(
        ev["response_hash"],
        json!(jcs_sha256(&body["output"])),
        "hash of the canonical output"
    );
    let jcs = serde_json_canonicalizer::to_string(&body["output"]).unwrap();
    assert_eq!(ev["response_bytes"], json!(jcs.len()));
}

#[tokio::test]
async fn executed_event_json_has_the_gate_field_set_in_sorted_order() {
    let (g, a, l) = leased().await;
    let r = a.fetch_ok(&g, &l).await;
    let ev = event_of(&g, r.json()["trace_id"].as_str().unwrap()).await;
    let mut text = redact(&ev.to_string());
    for k in ["timestamp", "prev_hash"] {
        let v = ev[k].as_str().unwrap().to_string();
        text = text.replace(&v, &format!("<{k}>"));
    }
    insta::assert_snapshot!(text, @r#"{"action_digest":"builtin:http_api","action_id":"http_fetch","action_trust_verdict":"digest_ok","action_version":"1.0.0","allowed_sinks":["httpbin.org","api.github.com","*.wikipedia.org","hacker-news.firebaseio.com"],"budgets_after":{"calls_remaining":9223372036854775807},"budgets_before":{"calls_remaining":9223372036854775807},"decision":"allow","deny_reason":null,"dev_mode":true,"event_type":"action_call","grant_id":"<grant_id>","lease_jti":"<lease_jti>","policy_version":"quickstart-init","prev_hash":"<prev_hash>","principal":"dev:anonymous","receipt_id":"<receipt_id>","request_hash":"<request_hash>","request_schema_id":"http_fetch:request","response_bytes":93,"response_hash":"sha256:0fad7c07933045c8acf90db272c958a1d7d12a62a8a101afcb37d43ae4eb3f37","risk_level":"low","runtime":{"duration_ms":0,"egress_profile":"proxy_allowlist","exit_code":0,"fuel_consumed":0,"io_calls_made":0,"module_digest":"builtin:http_api","timeout_hit":false},"sandbox_degraded":false,"session_id":"<session_id>","timestamp":"<timestamp>","trace_id":"<trace_id>","verification_outcome":"verified"}"#);
}

#[tokio::test]
async fn policy_deny_is_recorded_with_the_policy_reason_and_no_policy_version() {
    let (g, a, l) = leased().await;
    let body = json!({"url": "https://httpbin.org/post", "body": "{}"});
    let r = a.execute(&g, &l, "http_post", &body).await;
    assert_eq!(r.status, 403, "{}", r.text());
    let evs = events(&g, "?action_id=http_post").await;
    assert_eq!(evs.len(), 1, "{evs:?}");
    let ev = &evs[0];
    assert_eq!(ev["decision"], json!("deny"));
    assert_eq!(
        ev["deny_reason"],
        json!("policy denied: principal 'dev:anonymous' is not authorised for action 'http_post'")
    );
    assert_eq!(ev["policy_version"], Value::Null);
    assert_eq!(ev["budgets_before"], json!({"calls_remaining": i64::MAX}));
    assert_eq!(ev["budgets_after"], Value::Null);
    assert_eq!(ev["runtime"], Value::Null);
    assert_eq!(ev["risk_level"], json!("medium"));
}

#[tokio::test]
async fn approval_required_call_is_recorded_as_pending_with_its_approval_id() {
    let (g, h) = held().await;
    let ev = event_of(&g, h["trace_id"].as_str().unwrap()).await;
    assert_eq!(ev["decision"], json!("pending_approval"));
    assert_eq!(ev["approval_id"], h["approval_id"]);
    assert_eq!(ev["request_hash"], h["request_hash"]);
    assert_eq!(ev["policy_version"], json!("quickstart-init"));
    assert_eq!(ev["deny_reason"], Value::Null);
    assert!(
        ev.get("grant_id").is_none(),
        "no grant on a held call: {ev}"
    );
}

#[tokio::test]
async fn approval_is_recorded_as_allow_by_the_operator_under_a_fresh_trace() {
    let (g, h) = held().await;
    let id = h["approval_id"].as_str().unwrap();
    let ok = Op::of(&g).approve(&g, id).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    let trace = ok.member("trace_id");
    assert_ne!(
        json!(trace),
        h["trace_id"],
        "approval reuses the held trace id"
    );
    let ev = event_of(&g, &trace).await;
    assert_eq!(ev["deny_reason"], json!(format!("approved via {id}")));
    assert_eq!(ev["approval_id"], json!(id));
    assert_eq!(ev["approved_by"], json!(g.operator_credentials().id));
    assert_eq!(ev["operator_authn_method"], json!("operator_dpop"));
    assert!(
        ev["operator_proof_jti"].is_string(),
        "proof jti missing: {ev}"
    );
    assert_eq!(
        ev["allowed_sinks"].as_array().unwrap().last(),
        Some(&json!("example.org"))
    );
    assert_eq!(ev["decision"], json!("allow"));
}

#[tokio::test]
async fn denial_is_recorded_with_the_operator_reason() {
    let (g, h) = held().await;
    let id = h["approval_id"].as_str().unwrap();
    let deny = format!("/v1/approvals/{id}/deny");
    let r = Op::of(&g)
        .json(&g, "POST", &deny, json!({"reason": "not today"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let evs = events(&g, "?decision=deny").await;
    assert_eq!(evs.len(), 1, "{evs:?}");
    let ev = &evs[0];
    assert_eq!(
        ev["deny_reason"],
        json!(format!("denied via {id}: not today"))
    );
    assert_eq!(ev["action_id"], json!("http_fetch"));
    assert_eq!(
        ev["action_version"],
        Value::Null,
        "deny events carry no version"
    );
    assert_eq!(ev["action_digest"], json!(""));
    assert_eq!(ev["request_hash"], h["request_hash"]);
    assert_eq!(ev["approved_by"], json!(g.operator_credentials().id));
    assert_ne!(ev["trace_id"], h["trace_id"]);
}

#[tokio::test]
async fn unauthenticated_execute_is_recorded_without_a_principal() {
    let g = gate().await;
    let r = send(&Target::client(&g), "POST", FETCH_PATH, &[], b"{}").await;
    assert_eq!(r.status, 401, "{}", r.text());
    let evs = events(&g, "?principal=").await;
    assert_eq!(
        evs.len(),
        1,
        "an empty principal filter matches the anonymous event: {evs:?}"
    );
    assert_eq!(
        evs[0]["deny_reason"],
        json!("auth: missing header: Authorization")
    );
    assert_eq!(
        evs[0]["action_id"],
        json!(""),
        "the action is not resolved before auth"
    );
}

#[tokio::test]
async fn unknown_action_is_recorded_with_an_empty_action_id() {
    let (g, a, l) = leased().await;
    let r = a.execute(&g, &l, "no_such_action", &json!({})).await;
    assert_eq!(r.status, 404, "{}", r.text());
    let evs = events(&g, "?event_type=action_call").await;
    assert_eq!(evs.len(), 1, "{evs:?}");
    assert_eq!(evs[0]["deny_reason"], json!("action_not_found"));
    assert_eq!(evs[0]["action_id"], json!(""));
    assert_eq!(evs[0]["session_id"], json!(l.session_id));
}

#[tokio::test]
async fn lease_issuance_is_recorded_with_the_identity_method() {
    let g = gate().await;
    let l = Agent::new().lease(&g).await;
    let evs = events(&g, &format!("?session_id={}", l.session_id)).await;
    assert_eq!(evs.len(), 1, "{evs:?}");
    let ev = &evs[0];
    assert_eq!(ev["event_type"], json!("lease_issued"));
    assert_eq!(ev["decision"], json!("allow"));
    assert_eq!(ev["identity_method"], json!("none"));
    assert_eq!(ev["lease_jti"], l.body["lease_jti"]);
    assert_eq!(ev["principal"], json!("dev:anonymous"));
}

#[tokio::test]
async fn revoke_all_is_recorded_with_the_epoch_change() {
    let g = gate().await;
    let revoke = Op::of(&g).post(&g, "/v1/admin/revoke-all").await;
    assert_eq!(revoke.status, 200, "{}", revoke.text());
    let evs = events(&g, "?event_type=admin_revoke_all").await;
    assert_eq!(evs.len(), 1, "{evs:?}");
    let who = json!(g.operator_credentials().id);
    assert_eq!(evs[0]["deny_reason"], json!("epoch 0 => 1"));
    assert_eq!((&evs[0]["principal"], &evs[0]["session_id"]), (&who, &who));
}

#[tokio::test]
async fn call_events_carry_the_dev_mode_flag_and_lease_events_do_not() {
    for dev_mode in [true, false] {
        let g = MockGate::builder()
            .dev_mode(dev_mode)
            .start()
            .await
            .unwrap();
        let a = Agent::new();
        let l = a.lease(&g).await;
        a.execute(&g, &l, "no_such_action", &json!({})).await;
        let call = &events(&g, "?event_type=action_call").await[0];
        let lease = &events(&g, "?event_type=lease_issued").await[0];
        assert_eq!(
            call["dev_mode"],
            json!(dev_mode),
            "call event, gate dev_mode {dev_mode}"
        );
        assert_eq!(
            lease["dev_mode"],
            json!(false),
            "lease event, gate dev_mode {dev_mode}"
        );
    }
}
