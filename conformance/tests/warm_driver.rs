//! Warm process drivers: a driver declaring `warm` keeps its process across sessions with a
//! `reset` between them; a session that crashed, hung or refused `reset` is replaced by a fresh
//! process; a driver without `warm` gets a process per session and never sees `reset`.
//!
//! The drivers here are small shell scripts answering every command with their process id, so a
//! test can tell whether two sessions ran in the same process.

use latchgate_conformance::driver::{DriverFactory, DriverSession, ProcessDriver, Reply};
use serde_json::{json, Value};
use std::time::Duration;

/// A driver numbering its answers by line (the runner's ids are 1, 2, 3…): `hello` declares
/// `caps`; a line containing `crash` exits, `hang` sleeps, `reset` answers `reset_answer`; any
/// other command answers `{"pid": <its process id>}`.
fn script(caps: &str, reset_answer: &str) -> ProcessDriver {
    let body = format!(
        r#"n=0
while read -r l; do
  n=$((n+1))
  case "$l" in
    *'"hello"'*) echo "{{\"id\":$n,\"ok\":{{\"protocol\":1,\"sdk\":{{\"name\":\"t\",\"version\":\"0.0.1\"}},\"capabilities\":[{caps}]}}}}" ;;
    *crash*) exit 3 ;;
    *hang*) sleep 30 ;;
    *'"reset"'*) echo "{{\"id\":$n,{reset_answer}}}" ;;
    *) echo "{{\"id\":$n,\"ok\":{{\"pid\":$$}}}}" ;;
  esac
done"#
    );
    ProcessDriver::new(
        "cmd:test".into(),
        vec!["sh".into(), "-c".into(), body],
        Duration::from_millis(500),
    )
}

fn warm() -> ProcessDriver {
    script(r#"\"warm\""#, r#"\"ok\":{}"#)
}

/// Starts a session, runs `cmds` (the last one's pid is returned when it answers) and ends it.
async fn session(d: &ProcessDriver, cmds: &[&str]) -> Option<u64> {
    let mut s: Box<dyn DriverSession> = d.start().await.expect("driver starts");
    let mut pid = None;
    for c in cmds {
        pid = match s.call(json!({"cmd": c, "client": "c1"})).await {
            Ok(Reply::Ok(v)) => v["pid"].as_u64(),
            _ => None,
        };
    }
    s.shutdown().await;
    pid
}

#[tokio::test]
async fn warm_driver_serves_consecutive_sessions_in_one_process() {
    let d = warm();
    let first = session(&d, &["session"]).await.expect("first pid");
    let second = session(&d, &["session"]).await.expect("second pid");
    assert_eq!(first, second, "a warm driver should keep its process");
}

#[tokio::test]
async fn warm_session_that_crashed_is_replaced_by_a_fresh_process() {
    let d = warm();
    let p = session(&d, &["session"]).await.expect("pid");
    assert_eq!(
        session(&d, &["crash"]).await,
        None,
        "the crash fails its command"
    );
    let q = session(&d, &["session"])
        .await
        .expect("pid after the crash");
    assert_ne!(p, q, "the session after a crash must get a fresh process");
}

#[tokio::test]
async fn warm_session_that_hung_is_replaced_by_a_fresh_process() {
    let d = warm();
    let p = session(&d, &["session"]).await.expect("pid");
    assert_eq!(session(&d, &["hang"]).await, None, "the hang times out");
    let q = session(&d, &["session"]).await.expect("pid after the hang");
    assert_ne!(p, q, "the session after a hang must get a fresh process");
}

#[tokio::test]
async fn warm_session_whose_reset_fails_is_not_reused() {
    let d = script(r#"\"warm\""#, r#"\"error\":{\"kind\":\"Uncaught\"}"#);
    let p = session(&d, &["session"]).await.expect("pid");
    let q = session(&d, &["session"]).await.expect("pid");
    assert_ne!(
        p, q,
        "a process that could not reset must not serve another scenario"
    );
}

#[tokio::test]
async fn driver_without_warm_gets_a_process_per_session() {
    let d = script("", r#"\"ok\":{}"#);
    let p = session(&d, &["session"]).await.expect("pid");
    let q = session(&d, &["session"]).await.expect("pid");
    assert_ne!(p, q, "a driver that is not warm must get a fresh process");
}

#[test]
fn reset_and_warm_are_in_the_protocol_schema() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/schemas/driver-protocol.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("json");
    let cmds = &schema["$defs"]["command"]["properties"]["cmd"]["enum"];
    let caps = &schema["$defs"]["hello"]["properties"]["capabilities"]["items"]["enum"];
    assert!(
        cmds.as_array().is_some_and(|a| a.contains(&json!("reset"))),
        "reset missing from the command enum: {cmds}"
    );
    assert!(
        caps.as_array().is_some_and(|a| a.contains(&json!("warm"))),
        "warm missing from the capability enum: {caps}"
    );
}
