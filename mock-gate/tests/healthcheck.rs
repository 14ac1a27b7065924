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

/// Asserts the probe exited with `code` and, when given, that its stderr contains `needle`.
#[track_caller]
fn assert_exit(o: &Output, code: i32, needle: Option<&str>) {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "exit code; stderr: {stderr}");
    if let Some(needle) = needle {
        assert!(stderr.contains(needle), "stderr: {stderr}");
    }
}

/// The probe of `path` on a running gate's client listener.
async fn probe_gate(path: &str) -> Output {
    let gate = MockGate::builder().start().await.expect("mock starts");
    let out = healthcheck(&format!("{}{path}", gate.url().expect("client url"))).await;
    gate.shutdown().await;
    out
}

#[tokio::test]
async fn healthcheck_exits_zero_when_readyz_answers_200() {
    assert_exit(&probe_gate("/readyz").await, 0, None);
}

#[tokio::test]
async fn healthcheck_exits_one_on_a_status_other_than_200() {
    assert_exit(&probe_gate("/no-such-path").await, 1, Some("status 404"));
}

#[tokio::test]
async fn healthcheck_exits_one_when_nothing_listens() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let out = healthcheck(&format!("http://127.0.0.1:{port}/readyz")).await;
    assert_exit(&out, 1, None);
}

#[tokio::test]
async fn healthcheck_refuses_urls_other_than_http() {
    let out = healthcheck("https://127.0.0.1:3000/readyz").await;
    assert_exit(&out, 1, Some("only http://"));
}
