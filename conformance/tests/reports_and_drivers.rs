//! The JSON report validates against fixtures/schemas/report.schema.json; driver answers follow
//! fixtures/schemas/driver-protocol.schema.json; a crashing or hanging process driver fails with
//! the reason instead of stopping the run.

mod support;

use latchgate_conformance::catalogue::Catalogue;
use latchgate_conformance::driver::{
    AnswerError, DriverError, DriverFactory, ProcessDriver, RustDriver,
};
use latchgate_conformance::expected::ExpectedFailures;
use latchgate_conformance::report::{self, RunReport, Verdict};
use latchgate_conformance::target::MockTarget;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use support::{pick, report_of, run_with, rust_driver};

fn schema(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/schemas")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("schema file"))
        .expect("schema is JSON")
}

fn validate(schema: &Value, instance: &Value) -> Vec<String> {
    let v = jsonschema::validator_for(schema).expect("schema compiles");
    v.iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

async fn small_run(expected: ExpectedFailures) -> RunReport {
    let catalogue = Catalogue::builtin();
    let picked = pick(
        &catalogue,
        &["lease.issue.ok", "dpop.typ.jwt", "sdk.pkg.version"],
    );
    let target = Arc::new(MockTarget::new());
    report_of(run_with(target, rust_driver(), &picked, expected).await)
}

#[tokio::test]
async fn json_report_matches_its_schema() {
    let report = small_run(ExpectedFailures::default()).await;
    let value: Value = serde_json::from_str(&report::to_json(&report)).unwrap();
    let errors = validate(&schema("report.schema.json"), &value);
    assert!(errors.is_empty(), "report violates its schema: {errors:?}");
    assert_eq!(
        (report.must.pass, report.should.pass),
        (2, 1),
        "two MUST and one SHOULD scenario should pass: {:?}",
        report.results
    );
}

#[tokio::test]
async fn expected_failure_that_passes_is_reported_as_unexpected_pass() {
    let xf = ExpectedFailures::parse("dpop.typ.jwt  # pretend the gate accepts typ JWT\n", "xf")
        .unwrap();
    let report = small_run(xf).await;
    let r = report
        .results
        .iter()
        .find(|r| r.id == "dpop.typ.jwt")
        .unwrap();
    assert_eq!(r.verdict, Verdict::UnexpectedPass);
    assert_eq!(report.must.unexpected_pass, 1);
    assert!(report::to_junit(&report).contains("expected failure passed"));
}

#[tokio::test]
async fn rust_driver_hello_and_errors_follow_the_protocol_schema() {
    let s = schema("driver-protocol.schema.json");
    let mut session = RustDriver.start().await.unwrap();
    let hello = json!({"id": 1, "ok": serde_json::to_value(session.hello()).unwrap()});
    assert!(
        validate(&s, &hello).is_empty(),
        "hello: {:?}",
        validate(&s, &hello)
    );
    let hello_obj = validate(
        &json!({"$ref": "#/$defs/hello", "$defs": s["$defs"]}),
        &hello["ok"],
    );
    assert!(hello_obj.is_empty(), "hello object: {hello_obj:?}");
    let reply = session
        .call(json!({"cmd": "new_client", "base_url": ""}))
        .await
        .unwrap();
    let latchgate_conformance::driver::Reply::Err(e) = reply else {
        panic!("an empty base URL must be an error")
    };
    let answer = json!({"id": 2, "error": serde_json::to_value(&e).unwrap()});
    assert!(
        validate(&s, &answer).is_empty(),
        "error answer: {:?}",
        validate(&s, &answer)
    );
}

/// A driver running `script` under `sh`, with a per-command timeout of `timeout_ms`. The timeout
/// also bounds the hello (which includes starting `sh`), so it is generous where only the
/// outcome matters: a crash is reported when the process exits, not after a delay.
fn sh(script: &str, timeout_ms: u64) -> ProcessDriver {
    ProcessDriver::new(
        "cmd:test".into(),
        vec!["sh".into(), "-c".into(), script.into()],
        Duration::from_millis(timeout_ms),
    )
}

const HELLO: &str = r#"read l; echo '{"id":1,"ok":{"protocol":1,"sdk":{"name":"t","version":"0.0.1"},"capabilities":[]}}'"#;

/// A driver that says hello, then runs `after_hello`: the error its first `connect` gets.
async fn connect_error(after_hello: &str, timeout_ms: u64) -> DriverError {
    let d = sh(&format!("{HELLO}; {after_hello}"), timeout_ms);
    let mut s = d.start().await.expect("hello works");
    s.call(json!({"cmd": "connect", "client": "c1"}))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn driver_speaking_another_protocol_version_is_refused() {
    let d = sh(
        r#"read l; echo '{"id":1,"ok":{"protocol":2,"sdk":{"name":"t","version":"1"},"capabilities":[]}}'"#,
        20_000,
    );
    let err = d.start().await.err().expect("protocol 2 must be refused");
    assert!(
        matches!(err, DriverError::ProtocolVersion(2)),
        "expected ProtocolVersion(2), got {err:?}"
    );
    assert!(err.to_string().contains("protocol 2"), "{err}");
}

#[tokio::test]
async fn a_crash_is_a_crashed_error_with_the_command_exit_code_and_stderr() {
    let err = connect_error("read l; echo 'boom: sdk exploded' >&2; exit 3", 20_000).await;
    let message = err.to_string();
    assert!(
        message.contains("exit status: 3") && message.contains("boom: sdk exploded"),
        "the message should give the exit code and stderr: {message}"
    );
    let DriverError::Crashed {
        command,
        status,
        stderr,
        ..
    } = &err
    else {
        panic!("expected Crashed, got {err:?}");
    };
    assert_eq!(command, "connect");
    assert_eq!(status.and_then(|s| s.code()), Some(3), "exit code");
    assert_eq!(stderr, &["boom: sdk exploded"], "stderr tail");
}

#[tokio::test]
async fn a_hang_is_a_timeout_error_naming_the_command() {
    let err = connect_error("read l; exec sleep 30", 3_000).await;
    let message = err.to_string();
    assert!(
        message.contains("did not answer `connect` within 3000 ms"),
        "the message should name the hang: {message}"
    );
    assert!(
        matches!(&err, DriverError::Timeout { command, timeout, .. }
            if command == "connect" && timeout.as_millis() == 3000),
        "expected Timeout for connect after 3000 ms, got {err:?}"
    );
}

#[tokio::test]
async fn a_line_that_is_not_json_is_a_bad_answer_keeping_the_line() {
    let err = connect_error("read l; echo 'not json at all'; read l", 20_000).await;
    assert!(
        matches!(&err, DriverError::BadAnswer { command, answer: AnswerError::NotJson { line, .. }, .. }
            if command == "connect" && line == "not json at all"),
        "expected BadAnswer(NotJson) for connect, got {err:?}"
    );
}
