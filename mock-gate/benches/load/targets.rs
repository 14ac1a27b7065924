//! The targets the memory run is judged against (issue 12), each printed as PASS or FAIL.

/// RSS after all executes, MiB.
pub const RSS_MAX_MIB: f64 = 64.0;
/// "Flat": RSS growth between 50 % and 100 % of the executes, MiB. Every capped store is full
/// by 10 000 executes and the replay table is sized at start, so what remains is allocator
/// slack.
pub const FLAT_MAX_MIB: f64 = 2.0;
/// Server CPU per execute, ms.
pub const CPU_MAX_MS: f64 = 0.4;

/// What one memory run measured.
pub struct Measured {
    /// RSS at 50 % and 100 % of the `http_fetch` executes, MiB.
    pub rss_half: f64,
    pub rss_full: f64,
    /// Server CPU per `http_fetch` / `fs_read` execute, ms.
    pub cpu_http_ms: f64,
    pub cpu_fs_ms: f64,
}

/// Prints one line per target; true when all pass.
pub fn report(m: &Measured) -> bool {
    let growth = m.rss_full - m.rss_half;
    let checks = [
        (
            format!(
                "RSS after all executes {:.1} MiB <= {RSS_MAX_MIB} MiB",
                m.rss_full
            ),
            m.rss_full <= RSS_MAX_MIB,
        ),
        (
            format!("RSS flat: growth 50%->100% {growth:+.1} MiB <= {FLAT_MAX_MIB} MiB"),
            growth <= FLAT_MAX_MIB,
        ),
        (
            format!(
                "CPU per http_fetch execute {:.3} ms <= {CPU_MAX_MS} ms",
                m.cpu_http_ms
            ),
            m.cpu_http_ms <= CPU_MAX_MS,
        ),
        (
            format!(
                "CPU per fs_read execute {:.3} ms <= {CPU_MAX_MS} ms",
                m.cpu_fs_ms
            ),
            m.cpu_fs_ms <= CPU_MAX_MS,
        ),
    ];
    println!("targets:");
    for (what, ok) in &checks {
        println!("  {}  {what}", if *ok { "PASS" } else { "FAIL" });
    }
    checks.iter().all(|(_, ok)| *ok)
}
