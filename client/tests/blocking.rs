//! The blocking facade (C-LIFE-02) from plain threads, and its refusal inside a runtime.

mod support;

use latchgate::{Client, ErrorKind};
use serde_json::json;
use support::gate::{leasing, Reply, ScriptedGate};

fn start_gate() -> (tokio::runtime::Runtime, ScriptedGate) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let handler = leasing(|_| async { Reply::json(200, support::executed()) });
    let gate = runtime.block_on(ScriptedGate::unix(handler));
    (runtime, gate)
}

#[test]
fn blocking_client_executes_from_several_threads_with_one_lease() {
    let (_runtime, gate) = start_gate();
    let builder = gate.builder().clock(support::manual_clock());
    let client = latchgate::blocking::Client::new(builder).unwrap();
    client.connect(latchgate::ConnectOptions::new()).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || client.execute("fs_read", json!({})).map(|r| r.receipt_id))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().unwrap(), "r");
    }
    assert_eq!(gate.count("POST", "/v1/leases"), 1);
    assert_eq!(client.session_id().as_deref(), Some("session-1"));
}

#[tokio::test]
async fn blocking_client_refuses_to_block_an_async_runtime() {
    let builder = Client::builder()
        .base_url("http://127.0.0.1:9")
        .agent_id("a");
    let client =
        tokio::task::spawn_blocking(move || latchgate::blocking::Client::new(builder).unwrap())
            .await
            .unwrap();
    let err = client.healthz().unwrap_err();
    assert_eq!(
        (err.kind(), err.field()),
        (ErrorKind::InvalidInput, Some("runtime"))
    );
    tokio::task::spawn_blocking(move || drop(client))
        .await
        .unwrap();
}
