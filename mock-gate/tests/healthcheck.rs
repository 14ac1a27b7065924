//! `latchgate-mock healthcheck --url URL`, the probe of the image's HEALTHCHECK: exit 0 on a 200,
//! 1 on anything else (another status, nothing listening, an unsupported URL).

use latchgate_mock::MockGate;
use std::process::Output;

async fn healthcheck(url: &str) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_latchgate-mock"))
        .args(["healthcheck", "--url", url])
        .output()
        .await
        .expect("latchgate-mock runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn healthcheck_exits_zero_when_readyz_answers_200() {
    let gate = MockGate::builder().start().await.expect("mock starts");
    let out = healthcheck(&format!("{}/readyz", gate.url().expect("client url"))).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "exit code; stderr: {}",
        stderr(&out)
    );
    gate.shutdown().await;
}

#[tokio::test]
async fn healthcheck_exits_one_on_a_status_other_than_200() {
    let gate = MockGate::builder().start().await.expect("mock starts");
    let out = healthcheck(&format!("{}/no-such-path", gate.url().expect("client url"))).await;
    gate.shutdown().await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit code; stderr: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("status 404"),
        "stderr: {}",
        stderr(&out)
    );
}

#[tokio::test]
async fn healthcheck_exits_one_when_nothing_listens() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let out = healthcheck(&format!("http://127.0.0.1:{port}/readyz")).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit code; stderr: {}",
        stderr(&out)
    );
}

#[tokio::test]
async fn healthcheck_refuses_urls_other_than_http() {
    let out = healthcheck("https://127.0.0.1:3000/readyz").await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit code; stderr: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("only http://"),
        "stderr: {}",
        stderr(&out)
    );
}
