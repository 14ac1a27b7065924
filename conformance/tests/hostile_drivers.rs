//! The SDK suite against SDKs that lie: a driver that claims success for every command without
//! sending anything, and one that answers nonsense (wrong types, unknown kinds, answers twice).
//! No check may pass on a missing answer and none may crash on one: every MUST scenario fails
//! (each exception is listed with its reason), and the run completes with a report.

mod support;

use latchgate_conformance::catalogue::{Catalogue, Level, Suite};
use latchgate_conformance::driver::{DriverFactory, ProcessDriver};
use latchgate_conformance::report::{self, ScenarioResult, Verdict};
use latchgate_conformance::target::MockTarget;
use std::sync::Arc;
use std::time::Duration;
use support::{assert_none, report_of, run, scenarios};

const CAPABILITIES: &str = r#"["get_action","list_actions","health","env","socket","concurrency","timeout","debug_repr","info","operator","verify","key_import","wait_for_approval","fs_root","clock","warnings"]"#;

/// Answers hello, then reads each command's id (bash regex, no process per line) and runs
/// `answer` with `$id` set.
fn bash_driver(name: &str, answer: &str) -> Option<Arc<dyn DriverFactory>> {
    let script = format!(
        r#"read -r l
echo '{{"id":1,"ok":{{"protocol":1,"sdk":{{"name":"{name}","version":"0.0.0"}},"capabilities":{CAPABILITIES}}}}}'
n=0
while read -r l; do
  [[ $l =~ \"id\":([0-9]+) ]] && id=${{BASH_REMATCH[1]}}
  n=$((n+1))
  {answer}
done"#
    );
    Some(Arc::new(ProcessDriver::new(
        format!("cmd:{name}"),
        vec!["bash".into(), "-c".into(), script],
        Duration::from_secs(10),
    )))
}

/// `ok` with client and operator handles to every command; the SDK never sends a request.
fn claims_success() -> Option<Arc<dyn DriverFactory>> {
    bash_driver(
        "claims-success",
        r#"echo "{\"id\":$id,\"ok\":{\"client\":\"c1\",\"operator\":\"o1\"}}""#,
    )
}

/// Nonsense in rotation: null, numbers, strings, arrays, objects with wrongly typed members,
/// unknown error kinds and impossible statuses, an answer sent twice.
fn answers_garbage() -> Option<Arc<dyn DriverFactory>> {
    bash_driver(
        "answers-garbage",
        r#"case $((n % 8)) in
    0) echo "{\"id\":$id,\"ok\":{\"client\":\"c1\",\"operator\":\"o1\"}}" ;;
    1) echo "{\"id\":$id,\"ok\":null}" ;;
    2) echo "{\"id\":$id,\"ok\":7}" ;;
    3) echo "{\"id\":$id,\"ok\":[\"nonsense\",{}]}" ;;
    4) echo "{\"id\":$id,\"ok\":{\"client\":[1],\"session_id\":0,\"results\":\"x\",\"receipt\":7,\"status\":{},\"keys\":\"k\",\"text\":[],\"egress\":3,\"actions\":{}}}" ;;
    5) echo "{\"id\":$id,\"error\":{\"kind\":\"Bogus\",\"status\":999,\"code\":\"\",\"transient\":true,\"may_have_executed\":true}}" ;;
    6) echo "{\"id\":$id,\"ok\":\"nonsense\"}"; echo "{\"id\":$id,\"ok\":\"twice\"}" ;;
    *) echo "{\"id\":$id,\"error\":{\"kind\":\"Denied\",\"status\":403,\"retry_after\":0}}" ;;
  esac"#,
    )
}

async fn sdk_suite_with(driver: Option<Arc<dyn DriverFactory>>) -> Vec<ScenarioResult> {
    let catalogue = Catalogue::builtin();
    let sdk = scenarios(&catalogue, Some(Suite::Sdk));
    let results = run(Arc::new(MockTarget::new()), driver, &sdk).await;
    assert_eq!(results.len(), sdk.len(), "every scenario has a result");
    results
}

/// The report renders (the run completed) and is not conformant.
fn assert_reported_as_failing(results: Vec<ScenarioResult>) {
    let report = report_of(results);
    assert!(!report.conformant, "a lying SDK must not be conformant");
    let json: serde_json::Value =
        serde_json::from_str(&report::to_json(&report)).expect("the JSON report renders");
    assert_eq!(
        json["results"].as_array().map(Vec::len),
        Some(report.results.len())
    );
}

/// MUST scenarios that did not fail; `panicked` lists any whose reason shows a crash.
fn not_failed(results: &[ScenarioResult]) -> Vec<&ScenarioResult> {
    results
        .iter()
        .filter(|r| r.level == Level::Must && r.verdict != Verdict::Fail)
        .collect()
}

fn crashed(results: &[ScenarioResult]) -> Vec<&ScenarioResult> {
    results
        .iter()
        .filter(|r| {
            r.reason
                .as_deref()
                .is_some_and(|why| why.contains("panick"))
        })
        .collect()
}

/// Runs the SDK suite through `driver`: no scenario may crash, every MUST scenario must fail, and
/// the report must say so. `what` names the driver's behaviour in the failure message.
async fn assert_every_must_fails(driver: Option<Arc<dyn DriverFactory>>, what: &str) {
    let results = sdk_suite_with(driver).await;
    assert_none(&crashed(&results), "scenarios crashed");
    let what = format!("MUST scenarios did not fail for an SDK that {what}");
    assert_none(&not_failed(&results), &what);
    assert_reported_as_failing(results);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sdk_that_claims_success_for_everything_fails_every_must_scenario() {
    assert_every_must_fails(claims_success(), "sends nothing and claims success").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sdk_that_answers_garbage_fails_every_must_scenario() {
    assert_every_must_fails(answers_garbage(), "answers nonsense").await;
}
