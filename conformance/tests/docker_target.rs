//! The `docker:IMAGE` target against the `latchgate-mock` image (scripts/build-image.sh; the tag
//! comes from env LATCHGATE_MOCK_IMAGE, default latchgate-mock:latest). Without a Docker engine
//! or without the image these tests print why and pass, unless LATCHGATE_REQUIRE_DOCKER=1.

use latchgate::crypto::dpop::DpopKey;
use latchgate_conformance::catalogue::Catalogue;
use latchgate_conformance::driver::{DriverFactory, RustDriver};
use latchgate_conformance::expected::ExpectedFailures;
use latchgate_conformance::report::{ScenarioResult, Terminal, Verdict};
use latchgate_conformance::runner::Runner;
use latchgate_conformance::target::docker::{self, DockerOptions, DockerTarget};
use latchgate_conformance::target::TargetProvider;
use std::sync::Arc;
use std::time::Duration;

/// The image to test, or `None` (after saying why) when the test cannot run here.
async fn mock_image() -> Option<String> {
    let image =
        std::env::var("LATCHGATE_MOCK_IMAGE").unwrap_or_else(|_| "latchgate-mock:latest".into());
    let required = docker::docker_required_by_env();
    if let Err(why) = docker::engine_available().await {
        assert!(!required, "LATCHGATE_REQUIRE_DOCKER=1 but {why}");
        eprintln!("skipped: {why} (set LATCHGATE_REQUIRE_DOCKER=1 to fail instead)");
        return None;
    }
    let client = testcontainers::core::client::docker_client_instance()
        .await
        .expect("docker client");
    if let Err(e) = client.inspect_image(&image).await {
        assert!(
            !required,
            "LATCHGATE_REQUIRE_DOCKER=1 but image {image} is missing ({e}); run scripts/build-image.sh"
        );
        eprintln!("skipped: image {image} is missing ({e}); run scripts/build-image.sh");
        return None;
    }
    Some(image)
}

async fn container_exists(id: &str) -> bool {
    let client = testcontainers::core::client::docker_client_instance()
        .await
        .expect("docker client");
    client.inspect_container(id, None).await.is_ok()
}

async fn run(target: Arc<DockerTarget>, ids: &[&str]) -> Vec<ScenarioResult> {
    let catalogue = Catalogue::builtin();
    let picked: Vec<_> = ids
        .iter()
        .map(|id| {
            catalogue
                .get(id)
                .unwrap_or_else(|| panic!("{id} is in the catalogue"))
        })
        .collect();
    let driver: Arc<dyn DriverFactory> = Arc::new(RustDriver);
    let hello = driver.start().await.expect("rust driver").hello().clone();
    let runner = Runner {
        target,
        driver: Some((driver, hello)),
        expected: ExpectedFailures::default(),
        jobs: 2,
        scenario_timeout: Duration::from_secs(60),
    };
    runner
        .run(&picked, &mut Terminal::new(picked.len(), false))
        .await
}

fn assert_all_pass(results: &[ScenarioResult], target: &DockerTarget) {
    let bad: Vec<String> = results
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .map(|r| {
            format!(
                "{} {:?}: {}",
                r.id,
                r.verdict,
                r.reason.clone().unwrap_or_default()
            )
        })
        .collect();
    assert!(
        bad.is_empty(),
        "scenarios against the container did not pass:\n{}\ncontainer logs:\n{}",
        bad.join("\n"),
        target.logs()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn docker_target_runs_gate_and_sdk_scenarios_on_the_mock_image() {
    let Some(image) = mock_image().await else {
        return;
    };
    let target = Arc::new(DockerTarget::new(DockerOptions::new(image)).expect("options"));
    let results = run(
        target.clone(),
        &[
            "exec.ok.body",
            "approval.approve.executes",
            "sdk.body.result-members",
        ],
    )
    .await;
    assert_all_pass(&results, &target);
    target.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn docker_target_takes_operator_credentials_from_the_ready_line() {
    let Some(image) = mock_image().await else {
        return;
    };
    let target = DockerTarget::new(DockerOptions::new(image)).expect("options");
    let acquired = target.acquire().await.expect("container ready");
    let env = acquired.env.clone();
    target.shutdown().await;
    assert!(
        env.operator.is_some(),
        "no operator credentials read from the ready line"
    );
    assert!(env.admin.is_some(), "the admin port was not mapped");
    assert_eq!(
        env.public_base,
        docker::DEFAULT_PUBLIC_BASE,
        "public base from the ready line"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn docker_target_gives_the_container_the_runs_operator_credentials() {
    let Some(image) = mock_image().await else {
        return;
    };
    let key = DpopKey::generate();
    let mut opts = DockerOptions::new(image);
    opts.operator = Some(("smoke-operator-key".into(), key.to_pkcs8_pem()));
    opts.public_base = Some("http://gate.smoke.test:8080".into());
    let target = Arc::new(DockerTarget::new(opts).expect("options"));
    // Approving needs the operator credentials the container was started with.
    let results = run(
        target.clone(),
        &["approval.approve.executes", "receipt.signature.verified"],
    )
    .await;
    assert_all_pass(&results, &target);
    let logs = target.logs();
    target.shutdown().await;
    assert!(
        logs.contains("\"api_key\":\"smoke-operator-key\"")
            && logs.contains("\"public_base_url\":\"http://gate.smoke.test:8080\""),
        "the ready line does not show the given credentials and public base:\n{logs}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn docker_target_removes_its_container_on_shutdown() {
    let Some(image) = mock_image().await else {
        return;
    };
    let target = DockerTarget::new(DockerOptions::new(image)).expect("options");
    target.acquire().await.expect("container ready");
    let id = target.container_id().expect("a container id once started");
    assert!(
        container_exists(&id).await,
        "container {id} not found while the run holds it"
    );
    target.shutdown().await;
    assert!(
        !container_exists(&id).await,
        "container {id} still exists after shutdown"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn docker_target_reports_the_containers_logs_when_it_never_gets_ready() {
    let Some(image) = mock_image().await else {
        return;
    };
    let mut opts = DockerOptions::new(image);
    opts.env.push((
        "LATCHGATE_MOCK_CONFIG".into(),
        "/nonexistent/mock.toml".into(),
    ));
    let target = DockerTarget::new(opts).expect("options");
    let err = match target.acquire().await {
        Ok(_) => panic!("a mock with a missing config file became ready"),
        Err(e) => e.to_string(),
    };
    let id = target.container_id().expect("the container was created");
    assert!(
        err.contains("exited before it was ready") && err.contains("/nonexistent/mock.toml"),
        "the error does not say the container exited and show its logs: {err}"
    );
    assert!(
        !container_exists(&id).await,
        "container {id} left behind after a failed start"
    );
}
