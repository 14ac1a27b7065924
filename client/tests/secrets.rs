//! Secrets — lease JWTs, API keys, private keys and proofs — never appear in Debug or
//! Display output or in errors (C-KEY-03).

mod support;

use latchgate::{ConnectOptions, OperatorClient};
use serde_json::json;
use support::wire::{answer_json, builder, gate};

const API_KEY: &str = "key-default-secretsecretsecretsecret0001";

#[tokio::test]
async fn client_lease_and_errors_never_show_the_jwt_or_the_proof() {
    let server = gate().await;
    let invalid = json!({"error": "invalid_dpop", "deny_reason": "bad"});
    answer_json(&server, "POST /v1/actions/fs_read/execute", 401, invalid).await;
    let c = builder(&server, support::manual_clock()).build().unwrap();
    let events = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = events.clone();
    c.on_lease_change(move |e| sink.lock().unwrap().push_str(&format!("{e:?}")));
    c.connect(ConnectOptions::new()).await.unwrap();
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    let exec = server.received_requests().await.unwrap().pop().unwrap();
    let proof = exec
        .headers
        .get("dpop")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let texts = [
        format!("{c:?}"),
        format!("{err:?}"),
        err.to_string(),
        format!("{:?}", c.lease_info()),
        events.lock().unwrap().clone(),
    ];
    for text in texts {
        assert!(!text.contains("jwt-1"), "lease JWT in {text}");
        assert!(!text.contains(&proof[..40]), "proof in {text}");
    }
}

#[test]
fn operator_client_never_shows_the_api_key_or_the_private_key() {
    let pem = support::key_file("p256-a.pkcs8.pem");
    let op = OperatorClient::builder()
        .base_url("http://127.0.0.1:3001")
        .api_key(API_KEY)
        .key_pem(pem.clone())
        .build()
        .unwrap();
    let text = format!("{op:?}");
    assert!(!text.contains(API_KEY), "{text}");
    let key_line = pem.lines().nth(1).unwrap().to_owned();
    assert!(!text.contains(&key_line[..24]), "{text}");
    let builder = format!(
        "{:?}",
        OperatorClient::builder()
            .api_key(API_KEY)
            .key_pem(pem.clone())
    );
    assert!(
        !builder.contains(API_KEY) && !builder.contains(&key_line[..24]),
        "{builder}"
    );
}

#[test]
fn lease_response_debug_hides_the_jwt() {
    let lease: latchgate::wire::LeaseResponse = serde_json::from_value(json!({
        "lease_jwt": "eyJhbGciOiJFUzI1NiJ9.payload.sig", "session_id": "s", "lease_jti": "j", "expires_at": "e"
    }))
    .unwrap();
    assert!(!format!("{lease:?}").contains("eyJhbGci"));
}
