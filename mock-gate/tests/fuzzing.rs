//! The in-process gate the fuzz targets drive (`latchgate_mock::harness`).

use bytes::Bytes;
use latchgate_mock::harness::FuzzGate;

fn get(path: &str) -> http::Request<Bytes> {
    http::Request::get(path).body(Bytes::new()).unwrap()
}

#[tokio::test]
async fn send_routes_operator_paths_only_on_the_admin_router() {
    let g = FuzzGate::start().await.unwrap();
    let admin = g.send(true, get("/v1/approvals")).await;
    let client = g.send(false, get("/v1/approvals")).await;
    assert_eq!(
        (admin.status, client.status),
        (401, 404),
        "(admin, client) statuses of an unauthenticated GET /v1/approvals"
    );
}

#[tokio::test]
async fn sign_lease_refuses_claims_without_the_lease_shape() {
    let g = FuzzGate::start().await.unwrap();
    assert_eq!(g.sign_lease(&serde_json::json!({"sub": "x"})), None);
}
