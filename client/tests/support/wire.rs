//! A wiremock gate that issues leases, what it received, and clients pointed at it.

use std::sync::Arc;

use latchgate::{Client, ClientBuilder, ManualClock};
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{manual_clock, LeaseResponder, T0};

/// A wiremock server answering `POST /v1/leases` with 300 s leases issued at `T0`.
pub async fn gate() -> MockServer {
    gate_with_ttl(300).await
}

/// A wiremock server answering `POST /v1/leases` with leases of `ttl` seconds issued at `T0`.
pub async fn gate_with_ttl(ttl: u64) -> MockServer {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST /v1/leases",
        LeaseResponder::fixed(T0, ttl),
        None,
    )
    .await;
    server
}

/// A wiremock server with leases of `ttl` seconds whose `fs_read` executes (receipt `r`).
pub async fn executing_gate(ttl: u64) -> MockServer {
    let server = gate_with_ttl(ttl).await;
    let route = "POST /v1/actions/fs_read/execute";
    answer_json(&server, route, 200, super::executed()).await;
    server
}

/// Makes `server` answer the next `POST /v1/leases` with a 300 s lease issued at `T0`.
pub async fn lease_once(server: &MockServer) {
    mount(
        server,
        "POST /v1/leases",
        LeaseResponder::fixed(T0, 300),
        Some(1),
    )
    .await;
}

/// Makes `server` answer `route` (`"VERB /path"`) with `responder`, at most `times` times
/// when given (later mounts answer afterwards).
pub async fn mount(
    server: &MockServer,
    route: &str,
    responder: impl Respond + 'static,
    times: Option<u64>,
) {
    let (verb, route) = route.split_once(' ').expect("route is \"VERB /path\"");
    let mock = Mock::given(method(verb))
        .and(path(route))
        .respond_with(responder);
    match times {
        Some(n) => mock.up_to_n_times(n).mount(server).await,
        None => mock.mount(server).await,
    }
}

/// Makes `server` answer `route` (`"VERB /path"`) with `template`.
pub async fn answer(server: &MockServer, route: &str, template: ResponseTemplate) {
    mount(server, route, template, None).await;
}

/// Makes `server` answer `route` (`"VERB /path"`) with `status` and the JSON `body`.
pub async fn answer_json(server: &MockServer, route: &str, status: u16, body: Value) {
    answer(
        server,
        route,
        ResponseTemplate::new(status).set_body_json(body),
    )
    .await;
}

/// Every request `server` received for the path `route`, in order.
pub async fn requests_to(server: &MockServer, route: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == route)
        .collect()
}

/// The one request `server` received; fails when there were more or none.
pub async fn only_request(server: &MockServer) -> Request {
    let mut all = server.received_requests().await.unwrap();
    assert_eq!(all.len(), 1, "exactly one request");
    all.remove(0)
}

/// The JSON bodies of every `POST /v1/leases` `server` received.
pub async fn lease_bodies(server: &MockServer) -> Vec<Value> {
    requests_to(server, "/v1/leases")
        .await
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

/// The `dpop_jwk` of the first lease request.
pub async fn lease_jwk(server: &MockServer) -> Value {
    lease_bodies(server).await[0]["dpop_jwk"].clone()
}

/// A client builder for `server` on `clock` (no agent id: it connects only when told to).
pub fn builder(server: &MockServer, clock: Arc<ManualClock>) -> ClientBuilder {
    Client::builder().base_url(server.uri()).clock(clock)
}

/// An agent client (agent id `agent`, so it connects lazily) on a fresh manual clock.
pub fn client(server: &MockServer) -> (Client, Arc<ManualClock>) {
    let clock = manual_clock();
    let c = builder(server, clock.clone())
        .agent_id("agent")
        .build()
        .unwrap();
    (c, clock)
}

/// Check `req`'s proof: made with the first lease's key for `jwt`, its own method and the
/// URL it was sent to (the htu base is `server`'s address). Returns the claims.
pub async fn check_lease_proof(server: &MockServer, req: &Request, jwt: &str) -> Value {
    let htu = format!("{}{}", server.uri(), req.url.path());
    let jwk = lease_jwk(server).await;
    super::check_proof(&req.headers, &jwk, jwt, req.method.as_str(), &htu)
}
