//! Load bench of the `latchgate-mock serve` binary (release), over loopback TCP.
//!
//! ```sh
//! cargo bench -p latchgate-mock --bench load                      # memory + CPU: 100 000 executes, 8 clients
//! cargo bench -p latchgate-mock --bench load -- --executes 20000 --fs-executes 5000
//! cargo bench -p latchgate-mock --bench load -- --serve-arg --cap-receipts --serve-arg 10
//! cargo bench -p latchgate-mock --bench load -- soak --secs 600   # scripts/soak.sh
//! ```
//!
//! `memory` prints the server's RSS at 0 / 50 % / 100 % of the `http_fetch` executes, its CPU
//! time per execute of `http_fetch` and then of `fs_read` (whose policy decision runs the
//! sensitive-path globs; on a second server, see `fs_phase`), the crypto floor measured in the same run, and PASS/FAIL against the
//! targets (`targets.rs`); it exits 1 on any error or failed target. `soak` drives the load for a duration,
//! prints errors, RSS and p50/p99 latency per interval, then sends SIGTERM under load and checks
//! every call made meanwhile was answered in full or refused without a response; it exits 1 on
//! any error or unclean outcome.

mod drive;
mod floor;
mod serve;
mod targets;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use drive::{Call, Tally};
use serve::{loadavg, Served};

struct Args {
    soak: bool,
    executes: u64,
    clients: usize,
    fs_executes: u64,
    secs: u64,
    interval: u64,
    /// Extra `latchgate-mock serve` arguments (`--serve-arg`, repeatable).
    serve_args: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        soak: false,
        executes: 100_000,
        clients: 8,
        fs_executes: 10_000,
        secs: 600,
        interval: 60,
        serve_args: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        if arg == "--serve-arg" {
            a.serve_args
                .push(it.next().ok_or("--serve-arg needs a value")?);
            continue;
        }
        let mut num = |name: &str| -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--bench" => {}
            "memory" => a.soak = false,
            "soak" => a.soak = true,
            "--executes" => a.executes = num("--executes")?,
            "--fs-executes" => a.fs_executes = num("--fs-executes")?,
            "--clients" => a.clients = num("--clients")?.max(1) as usize,
            "--secs" => a.secs = num("--secs")?,
            "--interval" => a.interval = num("--interval")?.max(1),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(a)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = if args.soak {
        rt.block_on(soak(&args))
    } else {
        rt.block_on(memory(&args))
    };
    std::process::exit(code);
}

async fn run_clients(url: &str, tally: &Arc<Tally>, clients: usize, call: Call, limit: u64) {
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            tokio::spawn(drive::client(
                url.to_string(),
                tally.clone(),
                call,
                limit,
                0,
            ))
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
}

/// A root holding the `README.md` the `fs_read` phase reads.
fn fs_root() -> Result<tempfile::TempDir, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    std::fs::write(dir.path().join("README.md"), "# load bench\n")
        .map_err(|e| format!("README.md: {e}"))?;
    Ok(dir)
}

/// Server RSS and CPU time.
fn sample(served: &Served) -> (f64, f64) {
    (served.rss_mib(), served.cpu_secs())
}

fn cpu_per_execute_ms(cpu: f64, n: u64) -> f64 {
    cpu * 1000.0 / n.max(1) as f64
}

/// A server with the bench's `--serve-arg`s, serving `root`.
fn start_server(a: &Args, root: &tempfile::TempDir) -> Result<Served, String> {
    let mut args = vec!["--fs-root".to_string(), root.path().display().to_string()];
    args.extend(a.serve_args.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Served::start(&args)
}

/// The `fs_read` executes on a server of their own: by then the first one's replay cache (one
/// entry per proof, kept 180 s) may be full, and it would refuse them. Server CPU ms per execute.
async fn fs_phase(a: &Args, root: &tempfile::TempDir, tally: &Arc<Tally>) -> Result<f64, String> {
    let served = start_server(a, root)?;
    let cpu0 = served.cpu_secs();
    tally.started.store(0, Ordering::Relaxed);
    run_clients(&served.url, tally, a.clients, Call::FsRead, a.fs_executes).await;
    let (rss, cpu1) = sample(&served);
    println!(
        "{} fs_read executes (second server), its RSS after them {rss:6.1} MiB; {} errors in all",
        a.fs_executes,
        tally.error_count()
    );
    Ok(cpu_per_execute_ms(cpu1 - cpu0, a.fs_executes))
}

async fn memory(a: &Args) -> i32 {
    println!("load average at start: {}", loadavg());
    let started = fs_root().and_then(|root| start_server(a, &root).map(|s| (root, s)));
    let (root, served) = match started {
        Ok(v) => v,
        Err(e) => {
            eprintln!("load: {e}");
            return 2;
        }
    };
    let tally = Arc::new(Tally::default());
    let half = a.executes / 2;
    let (rss0, cpu0) = sample(&served);
    println!("{:>9} executes  RSS {rss0:6.1} MiB", 0);
    let t = Instant::now();
    run_clients(&served.url, &tally, a.clients, Call::HttpFetch, half).await;
    let (rss1, cpu1) = sample(&served);
    println!("{half:>9} executes  RSS {rss1:6.1} MiB");
    tally.started.store(half, Ordering::Relaxed);
    run_clients(&served.url, &tally, a.clients, Call::HttpFetch, a.executes).await;
    let (rss2, cpu2) = sample(&served);
    let wall = t.elapsed().as_secs_f64();
    println!("{:>9} executes  RSS {rss2:6.1} MiB", a.executes);
    let ok = tally.ok.load(Ordering::Relaxed);
    println!(
        "{ok} http_fetch executes answered in {wall:.1} s ({:.0}/s) from {} clients",
        ok as f64 / wall,
        a.clients,
    );
    drop(served);
    let cpu_fs_ms = match fs_phase(a, &root, &tally).await {
        Ok(ms) => ms,
        Err(e) => {
            eprintln!("load: {e}");
            return 2;
        }
    };
    print_errors(&tally);
    let m = targets::Measured {
        rss_half: rss1,
        rss_full: rss2,
        cpu_http_ms: cpu_per_execute_ms(cpu2 - cpu0, a.executes),
        cpu_fs_ms,
    };
    println!(
        "server CPU per execute: http_fetch {:.3} ms (first half {:.3}, second half {:.3}), fs_read {:.3} ms",
        m.cpu_http_ms,
        cpu_per_execute_ms(cpu1 - cpu0, half),
        cpu_per_execute_ms(cpu2 - cpu1, a.executes - half),
        m.cpu_fs_ms,
    );
    print_floor();
    println!("load average at end: {}", loadavg());
    let passed = targets::report(&m);
    i32::from(tally.error_count() > 0 || !passed)
}

fn print_errors(tally: &Tally) {
    for (what, n) in tally
        .errors
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
    {
        println!("  error ×{n}: {what}");
    }
}

fn print_floor() {
    use floor::{floor_ms, Es256};
    println!("crypto floor per execute, same run, one core (ES256 verify ×k + Ed25519 sign + 4 SHA-256):");
    for (name, imp) in [("p256", Es256::P256), ("ring", Es256::Ring)] {
        println!(
            "  {name:4}: k=2 (lease + proof) {:.3} ms, k=1 (lease verified once per token) {:.3} ms",
            floor_ms(2_000, 2, imp),
            floor_ms(2_000, 1, imp)
        );
    }
}

async fn soak(a: &Args) -> i32 {
    println!("load average at start: {}", loadavg());
    let served = match Served::start(&[]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("load: {e}");
            return 2;
        }
    };
    let tally = Arc::new(Tally::default());
    let clients: Vec<_> = (0..a.clients)
        .map(|_| {
            tokio::spawn(drive::client(
                served.url.clone(),
                tally.clone(),
                Call::HttpFetch,
                u64::MAX,
                50,
            ))
        })
        .collect();
    println!("  min  executes  errors  RSS MiB  p50 ms  p99 ms  load");
    let start = Instant::now();
    let mut last_ok = 0;
    while start.elapsed() < Duration::from_secs(a.secs) {
        let left = Duration::from_secs(a.secs).saturating_sub(start.elapsed());
        tokio::time::sleep(left.min(Duration::from_secs(a.interval))).await;
        let ok = tally.ok.load(Ordering::Relaxed);
        let (_, p50, p99) = tally.take_percentiles();
        println!(
            "{:5.1}  {:8}  {:6}  {:7.1}  {p50:6.2}  {p99:6.2}  {}",
            start.elapsed().as_secs_f64() / 60.0,
            ok - last_ok,
            tally.error_count(),
            served.rss_mib(),
            loadavg()
        );
        last_ok = ok;
    }
    let errors = tally.error_count();
    print_errors(&tally);
    tally.terminating.store(true, Ordering::Relaxed);
    served.terminate();
    let exited = tokio::task::spawn_blocking(move || served.wait())
        .await
        .ok()
        .flatten();
    for c in clients {
        let _ = c.await;
    }
    let after = tally
        .after_term
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    println!("SIGTERM under load: exit code {exited:?}; calls made meanwhile:");
    for (what, n) in &after {
        println!("  ×{n}: {what}");
    }
    let unclean = after.keys().filter(|k| k.starts_with("FAILED")).count();
    println!(
        "{} executes, {errors} errors, {unclean} unclean outcomes during shutdown; load average {}",
        tally.ok.load(Ordering::Relaxed),
        loadavg()
    );
    i32::from(errors > 0 || unclean > 0 || exited != Some(0))
}
