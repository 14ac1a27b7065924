//! Unix sockets: peer-credential identity, socket modes and clean-up, stale socket files.

use latchgate_mock::{GateControl, MockGate};
use serde_json::json;

use crate::support::{claims_of, post_lease, send, Agent, Target};

#[tokio::test]
async fn peercred_identity_maps_the_socket_peer_uid_and_refuses_tcp() {
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let mut principals = std::collections::BTreeMap::new();
    principals.insert(
        uid.to_string(),
        latchgate_mock::PeerPrincipal {
            principal: "alice".into(),
            scopes: vec!["tools:call".into()],
            owner: Some("team-a".into()),
        },
    );
    let g = MockGate::builder()
        .temp_sockets()
        .identity(latchgate_mock::Identity::Peercred {
            principals,
            allow_unmapped: false,
        })
        .start()
        .await
        .unwrap();
    let a = Agent::new();
    let body = json!({"scopes": ["tools:call", "audit:read"], "dpop_jwk": a.jwk()});
    let tcp = post_lease(&Target::client(&g), &body).await;
    tcp.assert_is(
        401,
        r#"{"error":"identity_unauthenticated"}"#,
        "a lease over TCP",
    );
    let uds = post_lease(&Target::Unix(g.socket_path().unwrap().into()), &body).await;
    assert_eq!(uds.status, 200, "{}", uds.text());
    let claims = claims_of(&uds.member("lease_jwt"));
    assert_eq!(
        (claims["sub"].as_str(), claims["owner"].as_str()),
        (Some("alice"), Some("team-a"))
    );
    assert_eq!(
        claims["scope"],
        json!(["tools:call"]),
        "scopes filtered by the identity's max scopes"
    );
}

#[tokio::test]
async fn unix_sockets_serve_both_routers_with_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let g = MockGate::builder().sockets_only().start().await.unwrap();
    let sock = g.socket_path().unwrap().to_path_buf();
    assert_eq!(
        std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(g.public_base_url(), "http://localhost:3000");
    let h = send(&Target::Unix(sock.clone()), "GET", "/healthz", &[], b"").await;
    assert_eq!(h.text(), r#"{"status":"ok"}"#);
    let c = g.control_client().unwrap();
    assert_eq!(c.journal_entries().await.unwrap().len(), 1);
    g.shutdown().await;
    assert!(!sock.exists(), "socket removed on shutdown");
}

#[tokio::test]
async fn stale_socket_file_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gate.sock");
    std::fs::write(&path, "stale").unwrap();
    let g = MockGate::builder()
        .client_listeners(vec![latchgate_mock::Bind::Unix(path.clone())])
        .start()
        .await
        .unwrap();
    assert_eq!(
        send(&Target::Unix(path), "GET", "/healthz", &[], b"")
            .await
            .status,
        200
    );
    drop(g);
}
