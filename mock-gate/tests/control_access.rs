//! The `/_mock/` control API is closed by default: token required, compared exactly, checked
//! before the body; `control_open` opts out; a user's operator key is never served.

mod support;

use latchgate_mock::{GateControl, MockGate};
use serde_json::Value;
use support::{send, Served, Target};

/// `POST /_mock/faults` on the admin listener with `headers` and `body`, no control token.
async fn post_faults(g: &MockGate, headers: &[(&str, &str)], body: &[u8]) -> support::Resp {
    send(&Target::admin(g), "POST", "/_mock/faults", headers, body).await
}

/// A gate whose control token is `right-token`.
async fn token_gate() -> MockGate {
    MockGate::builder()
        .control_token("right-token")
        .start()
        .await
        .unwrap()
}

async fn get_journal(g: &MockGate, auth: Option<&str>) -> (u16, String) {
    let headers: Vec<(&str, &str)> = auth.map(|a| ("authorization", a)).into_iter().collect();
    let r = send(&Target::admin(g), "GET", "/_mock/journal", &headers, b"").await;
    (r.status, r.text())
}

#[tokio::test]
async fn control_api_without_a_token_is_401_control_token_required() {
    let g = MockGate::start().await.unwrap();
    assert_eq!(
        get_journal(&g, None).await,
        (401, r#"{"error":"control_token_required"}"#.to_string())
    );
}

#[tokio::test]
async fn control_api_with_a_wrong_token_is_401_control_token_invalid() {
    let g = token_gate().await;
    for wrong in [
        "Bearer right-tokem",
        "Bearer right-token-",
        "Bearer ",
        "right-token",
    ] {
        let (status, body) = get_journal(&g, Some(wrong)).await;
        assert_eq!(status, 401, "{wrong:?} admitted: {body}");
    }
    assert_eq!(
        get_journal(&g, Some("Bearer right-tokem")).await.1,
        r#"{"error":"control_token_invalid"}"#
    );
}

#[tokio::test]
async fn control_api_with_the_token_answers() {
    let g = token_gate().await;
    let (status, body) = get_journal(&g, Some("Bearer right-token")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(g.control_token(), Some("right-token"));
}

#[tokio::test]
async fn token_is_checked_before_the_body_is_read() {
    let g = MockGate::start().await.unwrap();
    let r = post_faults(&g, &[], b"{not json").await;
    assert_eq!(
        r.status,
        401,
        "unauthenticated body was parsed: {}",
        r.text()
    );
}

#[tokio::test]
async fn refused_control_request_changes_nothing() {
    let g = MockGate::start().await.unwrap();
    let body = br#"{"endpoint":"health","times":1,"action":{"kind":"error","code":"draining"}}"#;
    let r = post_faults(&g, &[("content-type", "application/json")], body).await;
    assert_eq!(r.status, 401);
    assert!(g.faults().rules().is_empty(), "fault armed without a token");
}

#[tokio::test]
async fn control_open_gate_answers_without_a_token() {
    let g = MockGate::builder().control_open().start().await.unwrap();
    assert_eq!(get_journal(&g, None).await.0, 200);
    assert_eq!(g.control_token(), None);
}

#[tokio::test]
async fn control_client_of_the_gate_carries_its_token() {
    let g = MockGate::start().await.unwrap();
    let c = g.control_client().unwrap();
    assert!(c.journal_entries().await.is_ok(), "control client refused");
    let bare = latchgate_mock::ControlClient::tcp(g.admin_url().unwrap());
    assert!(
        matches!(
            bare.journal_entries().await,
            Err(latchgate_mock::ControlError::Refused { status: 401, .. })
        ),
        "control client without the token admitted"
    );
}

#[tokio::test]
async fn generated_operator_key_is_served_by_the_operator_route() {
    let g = MockGate::start().await.unwrap();
    let v = operators(&g).await;
    assert!(v[0]["private_key_pem"].is_string(), "{v}");
}

#[tokio::test]
async fn user_supplied_operator_key_is_never_served() {
    let mine = latchgate_mock::OperatorCredential::generate("platform");
    let g = MockGate::builder()
        .operators(vec![mine.clone()])
        .start()
        .await
        .unwrap();
    let v = operators(&g).await;
    assert_eq!(v[0]["api_key"], mine.api_key.as_str());
    assert!(
        v[0].get("private_key_pem").is_none(),
        "user's key served: {v}"
    );
}

async fn operators(g: &MockGate) -> Value {
    let c = g.control_client().unwrap();
    c.call("GET", "/_mock/operator", None).await.unwrap()["operators"].clone()
}

#[tokio::test]
async fn binary_takes_the_token_from_the_environment() {
    let served = Served::on_loopback(&[], &[("LATCHGATE_MOCK_CONTROL_TOKEN", "env-token-1")]);
    assert_eq!(served.ready["control_token"], "env-token-1");
    let c = latchgate_mock::ControlClient::tcp(served.ready_str("/admin_url"));
    assert!(c.journal_entries().await.is_err(), "admitted without token");
    assert!(c.with_token("env-token-1").journal_entries().await.is_ok());
}

#[tokio::test]
async fn binary_with_control_open_prints_no_token_and_admits_anyone() {
    let served = Served::on_loopback(&["--control-open"], &[]);
    assert_eq!(served.ready["control_token"], Value::Null);
    let c = latchgate_mock::ControlClient::tcp(served.ready_str("/admin_url"));
    assert!(c.journal_entries().await.is_ok());
}

#[tokio::test]
async fn binary_never_serves_a_key_file_given_by_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("op.pem");
    let cred = latchgate_mock::OperatorCredential::generate("x");
    std::fs::write(&pem, cred.private_key_pem.unwrap()).unwrap();
    let served = Served::on_loopback(
        &[
            "--operator-api-key",
            "key-mine",
            "--operator-key-file",
            pem.to_str().unwrap(),
        ],
        &[],
    );
    let c = latchgate_mock::ControlClient::tcp(served.ready_str("/admin_url"))
        .with_token(served.ready_str("/control_token"));
    let v = c.call("GET", "/_mock/operator", None).await.unwrap();
    assert_eq!(v["operators"][0]["api_key"], "key-mine");
    assert!(
        v["operators"][0].get("private_key_pem").is_none(),
        "user's key file served: {v}"
    );
}
