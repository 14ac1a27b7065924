//! Input checked before any I/O (C-ID, C-URL-02/03, C-LEASE-03..05, C-REQ-01/02): each
//! failure is `InvalidInput` naming the field, and the gate sees no connection at all.

mod support;

use std::sync::Arc;

use latchgate::{ApproveOptions, Client, ConnectOptions, ErrorKind, OperatorClient};
use serde_json::json;
use support::gate::{Reply, ScriptedGate};

async fn silent_gate() -> ScriptedGate {
    ScriptedGate::tcp(Arc::new(|_| Box::pin(async { Reply::empty(500) }))).await
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
    let c = gate.builder().build().unwrap();
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
    let cases = [
        ("scopes", ConnectOptions::new().scopes(empty)),
        ("max_calls", ConnectOptions::new().max_calls(0)),
        ("max_calls", ConnectOptions::new().max_calls(1 << 63)),
        ("fs_root", ConnectOptions::new().fs_root("rel/dir")),
        ("fs_root", ConnectOptions::new().fs_root("")),
    ];
    for (field, options) in cases {
        let what = format!("{options:?}");
        assert_invalid(c.connect(options).await.unwrap_err(), field, &what);
    }
    assert_eq!(gate.connection_count(), 0);
}

#[tokio::test]
async fn params_that_are_not_an_object_or_too_big_are_rejected_before_any_io() {
    let gate = silent_gate().await;
    let c = gate.builder().build().unwrap();
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
    let tcp = || Client::builder().base_url("http://h");
    let cases = [
        ("socket", tcp().socket("/s")),
        ("base_url", Client::builder().base_url("")),
        ("base_url", Client::builder().base_url("localhost:3000")),
        ("base_url", Client::builder().base_url("http://h/?q=1")),
        ("public_base_url", tcp().public_base_url("")),
        ("public_base_url", tcp().public_base_url("h:3000")),
        ("socket", Client::builder().socket("")),
        ("agent_id", tcp().agent_id("bad id")),
    ];
    for (field, builder) in cases {
        let what = format!("{builder:?}");
        let err = builder.environment(env.clone()).build().unwrap_err();
        assert_invalid(err, field, &what);
    }
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
    let results = [
        (
            op.list_approvals(Some("expired"), None).await.err(),
            "status",
        ),
        (op.list_approvals(None, Some(0)).await.err(), "limit"),
        (op.list_approvals(None, Some(201)).await.err(), "limit"),
        (
            op.approve("a/b", ApproveOptions::default()).await.err(),
            "approval_id",
        ),
        (op.deny("a\n", None).await.err(), "approval_id"),
        (op.get_approval("").await.err(), "approval_id"),
        (op.get_receipt("é").await.err(), "receipt_id"),
    ];
    for (i, (err, field)) in results.into_iter().enumerate() {
        let err = err.unwrap_or_else(|| panic!("call {i} was accepted"));
        assert_invalid(err, field, &format!("call {i}"));
    }
    assert_eq!(gate.connection_count(), 0);
}
