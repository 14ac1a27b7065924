//! Benchmarks: in-process start next to wiremock's `MockServer::start`, and execute throughput
//! over loopback TCP with the `latchgate` client.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use latchgate_mock::{MockGate, RateLimits};
use serde_json::json;

/// The runtime the async benches run on: two workers, as the machines they are compared on.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn start(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("start");
    g.bench_function("latchgate_mock_start_and_shutdown", |b| {
        b.to_async(&rt).iter(|| async {
            let gate = MockGate::builder().start().await.unwrap();
            gate.shutdown().await;
        })
    });
    g.bench_function("latchgate_mock_start_only", |b| {
        b.to_async(&rt)
            .iter(|| async { MockGate::builder().start().await.unwrap() })
    });
    g.bench_function("wiremock_mockserver_start", |b| {
        b.to_async(&rt)
            .iter(|| async { wiremock::MockServer::start().await })
    });
    g.finish();
}

fn execute(c: &mut Criterion) {
    let rt = runtime();
    let (gate, client) = rt.block_on(async {
        let gate = MockGate::builder()
            .rate_limits(RateLimits::unlimited())
            .start()
            .await
            .unwrap();
        let client = latchgate::Client::builder()
            .base_url(gate.url().unwrap())
            .build()
            .unwrap();
        client
            .connect(latchgate::ConnectOptions::new())
            .await
            .unwrap();
        (gate, client)
    });
    let mut g = c.benchmark_group("execute");
    g.throughput(Throughput::Elements(1));
    g.bench_function("http_fetch_over_loopback_with_latchgate_client", |b| {
        b.to_async(&rt).iter(|| async {
            client
                .execute("http_fetch", json!({"url": "https://httpbin.org/get"}))
                .await
                .unwrap()
        })
    });
    g.finish();
    drop(client);
    rt.block_on(gate.shutdown());
}

/// The per-call policy cost: one quickstart decision (an fs_read whose path goes through the five
/// sensitive `glob.match`es), with the compiled globs cached (the mock's build) and with them
/// compiled on every call (regorus without its cache, the cost before), next to serializing its
/// input alone (a floor every evaluation pays).
fn policy(c: &mut Criterion) {
    use latchgate_mock::harness::policy::{
        quickstart_data, quickstart_modules, Budgets, EgressProfile, PolicyEngine, PolicyInput,
        RiskLevel, Verdict,
    };
    let engine = PolicyEngine::new(&quickstart_modules(), &quickstart_data()).unwrap();
    let scopes = vec!["tools:call".to_string()];
    let sinks = vec!["fs_read".to_string()];
    let input = PolicyInput {
        principal: "dev:anonymous",
        session_id: "0190a0a0-0000-7000-8000-000000000000",
        scopes: &scopes,
        required_scopes: &scopes,
        action_id: "fs_read",
        action_version: "0.1.0",
        action_risk_level: RiskLevel::Low,
        action_trust_verdict: "digest_ok",
        action_category: "fs",
        request_hash: "sha256:00",
        requested_sinks: &sinks,
        requested_secrets: &[],
        egress_profile: &EgressProfile::None,
        fs_path: Some("docs/guide/intro.md"),
        budgets_before: Budgets {
            calls_remaining: 10,
        },
        unresolved_domains: &[],
        unresolved_paths: &[],
    };
    assert!(matches!(engine.evaluate(&input), Verdict::Allow(_)));
    let mut g = c.benchmark_group("policy");
    g.bench_function("quickstart_decision_fs_read", |b| {
        b.iter(|| engine.evaluate(&input))
    });
    regorus::cache::configure(regorus::cache::Config {
        glob: 0,
        ..Default::default()
    });
    g.bench_function("quickstart_decision_fs_read_globs_compiled_per_call", |b| {
        b.iter(|| engine.evaluate(&input))
    });
    regorus::cache::configure(regorus::cache::Config::default());
    g.bench_function("baseline_serialize_input", |b| {
        b.iter(|| serde_json::to_string(&input).unwrap())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(4));
    targets = start, execute, policy
}
criterion_main!(benches);
