//! Benchmarks: in-process start next to wiremock's `MockServer::start`, and execute throughput
//! over loopback TCP with the `latchgate` client.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use latchgate_mock::{MockGate, RateLimits};
use serde_json::json;

fn start(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
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
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
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

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(4));
    targets = start, execute
}
criterion_main!(benches);
