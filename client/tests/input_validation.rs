//! Input checked before any I/O (C-ID, C-URL-02/03, C-LEASE-03..05, C-REQ-01/02): each
//! failure is `InvalidInput` naming the field, and the gate sees no connection at all.

mod support;

use std::sync::Arc;

use latchgate::{ApproveOptions, Client, ConnectOptions, ErrorKind, OperatorClient};
use serde_json::json;
use support::gate::{Reply, ScriptedGate};

async fn silent_gate() -> ScriptedGate {
    ScriptedGate::tcp(Arc::new(|_| {
        Box::pin(async {
            Reply {
                status: 500,
                headers: vec![],
                body: vec![],
            }
        })
    }))
    .await
}

fn assert_invalid(err: latchgate::Error, field: &str, what: &str) {
    assert_eq!(
        (err.kind(), err.field()),
        (ErrorKind::InvalidInput, Some(field)),
        "{what}: {err}"
    );
}

#[tokio::test]
async fn identifier_vectors_are_accepted_or_rejected_before_any_io() {
    let gate = silent_gate().await;
    let c = Client::builder()
        .base_url(gate.url.clone().unwrap())
        .agent_id("a")
        .build()
        .unwrap();
    let file = support::vector_file("identifiers.json");
    for bad in file["invalid"].as_array().unwrap() {
        let id = bad.as_str().unwrap();
        assert_invalid(c.execute(id, json!({})).await.unwrap_err(), "action_id", id);
        assert_invalid(c.get_receipt(id).await.unwrap_err(), "receipt_id", id);
        assert_invalid(
            c.get_approval_status(id).await.unwrap_err(),
            "approval_id",
            id,
        );
        assert_invalid(
            c.wait_for_approval(id, None).await.unwrap_err(),
            "approval_id",
            id,
        );
        assert_invalid(c.get_action(id).await.unwrap_err(), "action_id", id);
    }
    assert_eq!(gate.connection_count(), 0, "no connection for invalid ids");
    for good in file["valid"].as_array().unwrap() {
        let id = good.as_str().unwrap();
        assert!(
            latchgate::validate::identifier("action_id", id).is_ok(),
            "{id:?} rejected"
        );
    }
}

#[tokio::test]
async fn lease_options_are_checked_before_any_io() {
    let gate = silent_gate().await;
    let c = Client::builder()
        .base_url(gate.url.clone().unwrap())
        .build()
        .unwrap();
    let empty: [&str; 0] = [];
    assert_invalid(
        c.connect(ConnectOptions::new().scopes(empty))
            .await
            .unwrap_err(),
        "scopes",
        "empty scopes",
    );
    assert_invalid(
        c.connect(ConnectOptions::new().max_calls(0))
            .await
            .unwrap_err(),
        "max_calls",
        "zero",
    );
    let too_big = ConnectOptions::new().max_calls(i64::MAX as u64 + 1);
    assert_invalid(c.connect(too_big).await.unwrap_err(), "max_calls", "2^63");
    assert_invalid(
        c.connect(ConnectOptions::new().fs_root("rel/dir"))
            .await
            .unwrap_err(),
        "fs_root",
        "relative",
    );
    assert_invalid(
        c.connect(ConnectOptions::new().fs_root(""))
            .await
            .unwrap_err(),
        "fs_root",
        "empty",
    );
    assert_eq!(gate.connection_count(), 0);
}

#[tokio::test]
async fn params_that_are_not_an_object_or_too_big_are_rejected_before_any_io() {
    let gate = silent_gate().await;
    let c = Client::builder()
        .base_url(gate.url.clone().unwrap())
        .agent_id("a")
        .build()
        .unwrap();
    for params in [json!([1]), json!("s"), json!(null), json!(3)] {
        assert_invalid(
            c.execute("fs_read", params.clone()).await.unwrap_err(),
            "params",
            &params.to_string(),
        );
    }
    let big = json!({"blob": "x".repeat(1_048_576)});
    assert_invalid(
        c.execute("fs_read", big).await.unwrap_err(),
        "params",
        "over 1 MiB",
    );
    assert_eq!(gate.connection_count(), 0, "no lease was requested either");
}

#[test]
fn configuration_errors_name_the_field() {
    let env = latchgate::transport::Env::from_pairs(&[]);
    let build = |b: latchgate::ClientBuilder| b.environment(env.clone()).build().unwrap_err();
    assert_invalid(
        build(Client::builder().base_url("http://h").socket("/s")),
        "socket",
        "both",
    );
    assert_invalid(
        build(Client::builder().base_url("")),
        "base_url",
        "empty base",
    );
    assert_invalid(
        build(Client::builder().base_url("localhost:3000")),
        "base_url",
        "no scheme",
    );
    assert_invalid(
        build(Client::builder().base_url("http://h/?q=1")),
        "base_url",
        "query",
    );
    assert_invalid(
        build(Client::builder().base_url("http://h").public_base_url("")),
        "public_base_url",
        "empty",
    );
    assert_invalid(
        build(
            Client::builder()
                .base_url("http://h")
                .public_base_url("h:3000"),
        ),
        "public_base_url",
        "no scheme",
    );
    assert_invalid(
        build(Client::builder().socket("")),
        "socket",
        "empty socket",
    );
    assert_invalid(
        build(Client::builder().base_url("http://h").agent_id("bad id")),
        "agent_id",
        "agent id",
    );
    let env = latchgate::transport::Env::from_pairs(&[("LATCHGATE_URL", "not a url")]);
    let err = Client::builder().environment(env).build().unwrap_err();
    assert_invalid(err, "LATCHGATE_URL", "bad env");
}

#[test]
fn operator_credentials_are_required_and_pems_checked() {
    let key = || latchgate::crypto::dpop::DpopKey::generate();
    let base = || OperatorClient::builder().base_url("http://127.0.0.1:3001");
    assert_invalid(
        base().key(key()).build().unwrap_err(),
        "api_key",
        "no api key",
    );
    assert_invalid(
        base().api_key("").key(key()).build().unwrap_err(),
        "api_key",
        "empty api key",
    );
    assert_invalid(base().api_key("k").build().unwrap_err(), "key", "no key");
    let rsa = support::key_file("rsa2048.pkcs8.pem");
    assert_invalid(
        base().api_key("k").key_pem(rsa).build().unwrap_err(),
        "key_pem",
        "rsa",
    );
    let missing = base()
        .api_key("k")
        .key_file("/nonexistent/op.pem")
        .build()
        .unwrap_err();
    assert_invalid(missing, "key_file", "missing file");
    assert_invalid(
        base()
            .api_key("k")
            .key(key())
            .key_pem(support::key_file("p256-a.pkcs8.pem"))
            .build()
            .unwrap_err(),
        "key",
        "two keys",
    );
}

#[tokio::test]
async fn operator_inputs_are_checked_before_any_io() {
    let gate = silent_gate().await;
    let op = OperatorClient::builder()
        .base_url(gate.url.clone().unwrap())
        .api_key("k")
        .key(latchgate::crypto::dpop::DpopKey::generate())
        .build()
        .unwrap();
    assert_invalid(
        op.list_approvals(Some("expired"), None).await.unwrap_err(),
        "status",
        "status",
    );
    assert_invalid(
        op.list_approvals(None, Some(0)).await.unwrap_err(),
        "limit",
        "0",
    );
    assert_invalid(
        op.list_approvals(None, Some(201)).await.unwrap_err(),
        "limit",
        "201",
    );
    assert_invalid(
        op.approve("a/b", ApproveOptions::default())
            .await
            .unwrap_err(),
        "approval_id",
        "approve",
    );
    assert_invalid(
        op.deny("a\n", None).await.unwrap_err(),
        "approval_id",
        "deny",
    );
    assert_invalid(op.get_approval("").await.unwrap_err(), "approval_id", "get");
    assert_invalid(
        op.get_receipt("é").await.unwrap_err(),
        "receipt_id",
        "receipt",
    );
    assert_eq!(gate.connection_count(), 0);
}
