//! Transports: a real Unix socket server, TCP failures below HTTP, whole-request deadlines,
//! one connection pool per client (C-URL-04, C-NET-01/02, C-ERR-07, C-LIFE-01).

mod support;

use std::time::Duration;

use latchgate::{Client, ClientBuilder, ConnectOptions, ErrorKind, OperatorClient};
use serde_json::json;
use support::gate::{leasing, Handler, Reply, ScriptedGate};

fn gate_handler() -> Handler {
    leasing(|req| async move {
        match req.target.as_str() {
            "/v1/actions/fs_read/execute" => Reply::json(200, support::executed()),
            "/v1/receipts/never" | "/v1/actions/slow/execute" => std::future::pending().await,
            _ => Reply::empty(404),
        }
    })
}

/// A TCP gate answering with [`gate_handler`], and a client of it set up by `configure`.
async fn tcp_client(
    configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> (ScriptedGate, Client) {
    let gate = ScriptedGate::tcp(gate_handler()).await;
    let c = configure(gate.builder()).build().unwrap();
    (gate, c)
}

/// `err` is a `TransportError` for a request that never reached the gate.
fn assert_unsent_transport_error(err: &latchgate::Error) {
    assert_eq!(
        (err.kind(), err.sent(), err.may_have_executed()),
        (ErrorKind::TransportError, false, false),
        "{err}"
    );
}

#[tokio::test]
async fn unix_socket_requests_target_localhost_and_sign_the_default_public_base() {
    let gate = ScriptedGate::unix(gate_handler()).await;
    let c = gate
        .builder()
        .clock(support::manual_clock())
        .environment(latchgate::transport::Env::from_pairs(&[]))
        .build()
        .unwrap();
    assert_eq!(c.htu_base(), "http://localhost:3000");
    assert_eq!(c.request_base_url(), "http://localhost");
    c.execute("fs_read", json!({"path": "README.md"}))
        .await
        .unwrap();
    let recorded = gate.recorded();
    let lease = &recorded[0];
    let exec = &recorded[1];
    assert_eq!(
        (lease.target.as_str(), lease.header("host")),
        ("/v1/leases", Some("localhost"))
    );
    assert_eq!(exec.header("host"), Some("localhost"));
    support::check_proof(
        &exec.headers,
        &lease.json()["dpop_jwk"],
        "jwt-1",
        "POST",
        "http://localhost:3000/v1/actions/fs_read/execute",
    );
}

#[tokio::test]
async fn one_pool_per_client_reuses_the_connection() {
    let gate = ScriptedGate::unix(gate_handler()).await;
    let c = gate.builder().build().unwrap();
    for _ in 0..5 {
        c.execute("fs_read", json!({})).await.unwrap();
    }
    assert_eq!(
        gate.connection_count(),
        1,
        "six sequential requests, one connection"
    );
}

#[tokio::test]
async fn a_missing_socket_is_a_transport_error_that_was_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let c = Client::builder()
        .socket(dir.path().join("gate.sock"))
        .agent_id("a")
        .build()
        .unwrap();
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    assert_unsent_transport_error(&err);
    assert!(err.transient());
}

#[tokio::test]
async fn a_refused_tcp_connection_is_a_transport_error_that_was_not_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let c = Client::builder().base_url(url).build().unwrap();
    let err = c.healthz().await.unwrap_err();
    assert_eq!((err.kind(), err.sent()), (ErrorKind::TransportError, false));
}

#[tokio::test]
async fn an_execute_deadline_after_sending_may_have_executed() {
    let (gate, c) = tcp_client(|b| b.execute_timeout(Duration::from_millis(200))).await;
    let err = c.execute("slow", json!({})).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.sent(), err.may_have_executed()),
        (ErrorKind::TransportError, true, true)
    );
    assert_eq!(
        gate.count("POST", "/v1/actions/slow/execute"),
        1,
        "never retried"
    );
}

#[tokio::test]
async fn a_deadline_on_a_read_is_retry_safe() {
    let (_gate, c) = tcp_client(|b| b.timeout(Duration::from_millis(200))).await;
    let err = c.get_receipt("never").await.unwrap_err();
    assert_eq!(
        (err.kind(), err.sent(), err.may_have_executed()),
        (ErrorKind::TransportError, true, false)
    );
}

#[tokio::test]
async fn calls_after_close_are_closed_before_any_io() {
    let (gate, c) = tcp_client(|b| b).await;
    c.execute("fs_read", json!({})).await.unwrap();
    c.close();
    c.close();
    let before = gate.recorded().len();
    assert_eq!(
        c.execute("fs_read", json!({})).await.unwrap_err().kind(),
        ErrorKind::Closed
    );
    assert_eq!(
        c.connect(ConnectOptions::new()).await.unwrap_err().kind(),
        ErrorKind::Closed
    );
    assert_eq!(
        c.get_approval_status("a").await.unwrap_err().kind(),
        ErrorKind::Closed
    );
    assert_eq!(
        c.list_actions().await.unwrap_err().kind(),
        ErrorKind::Closed
    );
    assert_eq!(gate.recorded().len(), before);
    assert!(c.session_id().is_none());
}

#[tokio::test]
async fn operator_client_defaults_to_the_admin_socket_next_to_the_client_socket() {
    let env = latchgate::transport::Env::from_pairs(&[
        ("XDG_RUNTIME_DIR", "/run/user/7"),
        ("LATCHGATE_URL", "http://x:1"),
    ]);
    let operator = OperatorClient::builder()
        .api_key("k")
        .key(latchgate::crypto::dpop::DpopKey::generate())
        .environment(env)
        .build()
        .unwrap();
    assert_eq!(
        operator.target(),
        &latchgate::Target::Unix {
            path: "/run/user/7/latchgate/gate-admin.sock".into()
        }
    );
    assert_eq!(operator.htu_base(), "http://localhost:3000");
}

#[tokio::test]
async fn https_base_url_speaks_tls_and_a_failed_handshake_was_not_sent() {
    let gate = ScriptedGate::tcp(gate_handler()).await;
    let plain = gate.url.clone().unwrap();
    let c = Client::builder()
        .base_url(plain.replace("http://", "https://"))
        .agent_id("a")
        .build()
        .unwrap();
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    assert_unsent_transport_error(&err);
    assert!(
        gate.recorded().is_empty(),
        "no HTTP request reached the plain server: {:?}",
        gate.recorded()
    );
}
