//! The python driver against the published SDK (skipped with a printed reason when no interpreter
//! with the SDK is found, unless LATCHGATE_REQUIRE_PYTHON is on: see client/tests/support/python_env.rs).

mod support;

use latchgate_conformance::catalogue::{Catalogue, Suite};
use latchgate_conformance::driver::{self, DriverFactory, DriverOptions, DriverSpec};
use latchgate_conformance::expected::ExpectedFailures;
use latchgate_conformance::report::{Terminal, Verdict};
use latchgate_conformance::runner::Runner;
use latchgate_conformance::target::MockTarget;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[path = "../../client/tests/support/python_env.rs"]
mod python_env;

fn interpreter() -> Option<PathBuf> {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    python_env::python_or_skip(&workspace, "python_driver")
}

/// The bundled driver of the Python SDK 0.2.0, or `None` (after saying why) without Python.
fn python_driver() -> Option<Arc<dyn DriverFactory>> {
    let opts = DriverOptions {
        python: Some(interpreter()?),
        python_sdk_version: "0.2.0".into(),
        command_timeout: Duration::from_secs(20),
    };
    Some(driver::factory(&DriverSpec::Python, &opts).expect("python driver"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_driver_reports_what_the_sdk_does() {
    let Some(factory) = python_driver() else {
        return;
    };
    let session = factory
        .start()
        .await
        .expect("driver starts and answers hello");
    let hello = session.hello().clone();
    session.shutdown().await;
    assert_eq!(
        (hello.sdk.name.as_str(), hello.sdk.version.as_str()),
        ("latchgate", "0.2.0")
    );
    let catalogue = Catalogue::builtin();
    let ids = [
        "sdk.lease.request-shape",
        "sdk.dpop.header-exact",
        "sdk.lease.empty-scopes",
        "sdk.life.close",
    ];
    let picked: Vec<_> = catalogue
        .scenarios()
        .iter()
        .filter(|s| ids.contains(&s.id.as_str()))
        .collect();
    let runner = Runner {
        target: Arc::new(MockTarget::new()),
        driver: Some((factory, hello)),
        expected: ExpectedFailures::default(),
        jobs: 2,
        scenario_timeout: Duration::from_secs(60),
    };
    let results = runner
        .run(&picked, &mut Terminal::quiet(picked.len()))
        .await;
    let verdict = |id: &str| {
        results
            .iter()
            .find(|r| r.id == id)
            .map(|r| (r.verdict, r.reason.clone()))
    };
    assert_eq!(
        verdict("sdk.lease.request-shape").map(|v| v.0),
        Some(Verdict::Pass),
        "{:?}",
        verdict("sdk.lease.request-shape")
    );
    assert_eq!(
        verdict("sdk.dpop.header-exact").map(|v| v.0),
        Some(Verdict::Pass),
        "{:?}",
        verdict("sdk.dpop.header-exact")
    );
    // 0.2.0 turns an empty scope list into the default, and lets httpx's RuntimeError escape after close().
    assert_eq!(
        verdict("sdk.lease.empty-scopes").map(|v| v.0),
        Some(Verdict::Fail)
    );
    let close = results
        .iter()
        .find(|r| r.id == "sdk.life.close")
        .expect("ran");
    let actual = close
        .evidence
        .as_ref()
        .and_then(|e| e.actual.clone())
        .unwrap_or_default();
    assert!(
        actual.starts_with("Uncaught") && actual.contains("RuntimeError"),
        "the driver must report the escaped exception as Uncaught: {actual}"
    );
}

/// The Python SDK 0.2.0's SDK-suite run, judged against `expected-failures/python-0.2.0.txt`: a
/// failure not listed there (a new failure) or a listed one that passes (the entry is stale)
/// fails the test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_suite_fails_exactly_its_expected_failures() {
    let Some(factory) = python_driver() else {
        return;
    };
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("expected-failures/python-0.2.0.txt");
    let expected = ExpectedFailures::load(&file).expect("the expected-failures file parses");
    let catalogue = Catalogue::builtin();
    let sdk = support::scenarios(&catalogue, Some(Suite::Sdk));
    let results =
        support::run_with(Arc::new(MockTarget::new()), Some(factory), &sdk, expected).await;
    let off: Vec<_> = results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::UnexpectedPass))
        .collect();
    assert!(
        off.is_empty(),
        "the Python SDK 0.2.0 run differs from {}: FAIL = a new failure, XPASS = a listed failure that passes now\n{}",
        file.display(),
        support::explain(&off)
    );
}
