//! A wiremock gate that issues leases, and an agent client on a manual clock.

use std::sync::Arc;

use latchgate::{Client, ManualClock};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{manual_clock, LeaseResponder, T0};

/// A wiremock server answering `POST /v1/leases` with 300 s leases issued at `T0`.
pub async fn gate() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/leases"))
        .respond_with(LeaseResponder::fixed(T0, 300))
        .mount(&server)
        .await;
    server
}

/// Makes `server` answer `verb route` with `template`.
pub async fn answer(server: &MockServer, verb: &str, route: &str, template: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(template)
        .mount(server)
        .await;
}

/// An agent client (agent id `agent`, so it connects lazily) on a fresh manual clock.
pub fn client(server: &MockServer) -> (Client, Arc<ManualClock>) {
    let clock = manual_clock();
    let c = Client::builder()
        .base_url(server.uri())
        .agent_id("agent")
        .clock(clock.clone())
        .build()
        .unwrap();
    (c, clock)
}
