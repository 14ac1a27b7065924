//! `testcontainers::MockGateImage` started with testcontainers' `AsyncRunner` (the image of
//! scripts/build-image.sh; name and tag from env LATCHGATE_MOCK_IMAGE, default
//! `latchgate-mock:<crate version>`). Without a Docker engine or without the image the test prints
//! why and passes, unless LATCHGATE_REQUIRE_DOCKER is set.

use latchgate_mock::latchgate::ConnectOptions;
use latchgate_mock::testcontainers::{MockGateEndpoints, MockGateImage};
use testcontainers::runners::AsyncRunner;

fn docker_required() -> bool {
    std::env::var("LATCHGATE_REQUIRE_DOCKER")
        .is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "no"))
}

/// The image to start, or `None` (after saying why) when it cannot start here.
async fn image() -> Option<MockGateImage> {
    let reference = std::env::var("LATCHGATE_MOCK_IMAGE")
        .unwrap_or_else(|_| format!("latchgate-mock:{}", env!("CARGO_PKG_VERSION")));
    let (name, tag) = reference
        .rsplit_once(':')
        .unwrap_or((reference.as_str(), "latest"));
    let skip = |why: String| -> Option<MockGateImage> {
        assert!(
            !docker_required(),
            "LATCHGATE_REQUIRE_DOCKER is set but {why}"
        );
        eprintln!("skipped: {why} (set LATCHGATE_REQUIRE_DOCKER=1 to fail instead)");
        None
    };
    let docker = match testcontainers::core::client::docker_client_instance().await {
        Ok(d) => d,
        Err(e) => return skip(format!("no Docker client ({e})")),
    };
    if let Err(e) = docker.ping().await {
        return skip(format!("no Docker engine reachable ({e})"));
    }
    if let Err(e) = docker.inspect_image(&reference).await {
        return skip(format!(
            "image {reference} is missing ({e}); build it with scripts/build-image.sh"
        ));
    }
    Some(MockGateImage::new(name, tag))
}

#[tokio::test]
async fn the_image_starts_and_serves_a_lease_an_execute_and_the_operator_api() {
    let Some(image) = image().await else { return };
    let container = image
        .start()
        .await
        .expect("the container starts and prints its ready line");
    let gate = MockGateEndpoints::of(&container)
        .await
        .expect("mapped ports and the ready line");
    assert_eq!(gate.ready.public_base_url, "http://localhost:3000");

    let client = gate.client().build().expect("a client for the mapped port");
    client
        .connect(ConnectOptions::new().max_calls(1))
        .await
        .expect("a lease from the container");
    let result = client
        .execute(
            "fs_read",
            serde_json::json!({"operation": "read", "path": "README.md"}),
        )
        .await
        .expect("fs_read of the image's fs root");
    assert!(
        !result.receipt_id.is_empty(),
        "the execute answer carries a receipt id"
    );

    let status = gate
        .operator_client()
        .expect("an operator client from the ready line's credentials")
        .admin_status()
        .await;
    assert!(
        status.is_ok(),
        "the ready line's operator credentials work on the mapped admin port: {status:?}"
    );
}
