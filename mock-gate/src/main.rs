//! `latchgate-mock serve`: the mock gate as a process. Prints one JSON ready line on stdout,
//! logs on stderr, stops on SIGTERM/SIGINT; a bad flag or config exits 2.
//! `latchgate-mock healthcheck --url URL` is a probe for container HEALTHCHECKs.

use clap::Parser;
use latchgate_mock::harness::cli::{builder_from, ready_line, Cli, Command, LogFormat};

mod healthcheck;

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => b.json().init(),
        LogFormat::Pretty => b.init(),
    }
}

/// mimalloc rather than the platform's malloc: an execute allocates and frees a few hundred small
/// blocks, and glibc's malloc/free took about a sixth of the server's instructions (musl's, in the
/// container image, is slower still). Built with `no_thp` (see the workspace Cargo.toml). The
/// binary's choice only: the library leaves the allocator to the program that embeds it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    match tokio::runtime::Runtime::new() {
        Ok(rt) => rt.block_on(run()),
        Err(e) => {
            eprintln!("latchgate-mock: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    }
}

async fn run() {
    let cli = Cli::parse();
    let args = match cli.command {
        Command::Serve(args) => args,
        Command::Healthcheck(h) => match healthcheck::check(&h.url) {
            Ok(()) => std::process::exit(0),
            Err(e) => {
                eprintln!("latchgate-mock healthcheck: {e}");
                std::process::exit(1);
            }
        },
    };
    init_logs(args.log_format);
    let builder = match builder_from(&args) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("latchgate-mock: {e}");
            std::process::exit(2);
        }
    };
    let gate = match builder.start().await {
        Ok(g) => g,
        Err(e) => {
            eprintln!("latchgate-mock: {e}");
            std::process::exit(2);
        }
    };
    // Handlers first, so a signal sent right after the ready line is handled.
    use tokio::signal::unix::{signal, SignalKind};
    let (mut term, mut int) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(t), Ok(i)) => (t, i),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("latchgate-mock: cannot install signal handlers: {e}");
            std::process::exit(1);
        }
    };
    println!("{}", ready_line(&gate));
    tracing::info!(url = ?gate.url(), admin_url = ?gate.admin_url(), public_base_url = gate.public_base_url(), "mock gate ready");
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    tracing::info!("shutting down");
    gate.shutdown().await;
}
