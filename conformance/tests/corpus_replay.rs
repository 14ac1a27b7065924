//! The committed corpus of the real gate v0.2.0 (fixtures/parity/gate-0.2.0) replayed against the
//! in-process mock, lax (`.lax_all()`, every exchange) and strict (exchanges not marked lax):
//! any difference not listed in deviations.toml fails with the exchange id and a unified diff;
//! an entry of deviations.toml that matches nothing is stale and fails too.

use latchgate_conformance::parity::corpus::{self, Corpus, Deviations};
use latchgate_conformance::parity::replay::{self, Mode, ReplayOutcome};
use latchgate_conformance::parity::run::Side;
use latchgate_conformance::target::MockTarget;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/parity/gate-0.2.0")
}

fn corpus() -> Corpus {
    corpus::load(&dir(), Some("0.2.0")).unwrap_or_else(|e| panic!("corpus: {e}"))
}

fn deviations() -> Deviations {
    Deviations::load(&dir()).unwrap_or_else(|e| panic!("deviations: {e}"))
}

/// Both replays, run once for every test of this file.
fn replays() -> &'static (ReplayOutcome, ReplayOutcome) {
    static R: OnceLock<(ReplayOutcome, ReplayOutcome)> = OnceLock::new();
    R.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let c = corpus();
            let dev = deviations();
            let side = |t: MockTarget| Side {
                label: "mock".into(),
                provider: Arc::new(t.own_base()),
            };
            let (lax_side, strict_side) =
                (side(MockTarget::new().lax_all()), side(MockTarget::new()));
            let lax = replay::replay(&c, &lax_side, Mode::Lax, 16, &dev);
            let strict = replay::replay(&c, &strict_side, Mode::Strict, 16, &dev);
            let (lax, strict) = tokio::join!(lax, strict);
            (
                lax.unwrap_or_else(|e| panic!("lax replay: {e}")),
                strict.unwrap_or_else(|e| panic!("strict replay: {e}")),
            )
        })
    })
}

fn unexplained(out: &ReplayOutcome) -> String {
    let ids: BTreeSet<String> = out.differing.keys().cloned().collect();
    let c = replay::classify(&ids, &BTreeSet::new(), &deviations());
    c.unexplained
        .iter()
        .map(|id| format!("{id}\n{}", out.differing[id]))
        .collect()
}

#[test]
fn the_corpus_holds_the_suite_and_2000_generated_exchanges() {
    let c = corpus();
    assert!(c.manifest.suite_exchanges > 0, "no suite exchanges");
    assert!(
        c.manifest.explore_exchanges >= 2000,
        "only {} generated exchanges",
        c.manifest.explore_exchanges
    );
}

/// Fails unless `mock` answered every exchange of its replay as the gate (or as a deviation says).
fn assert_answers_as_the_gate(mock: &str, out: &ReplayOutcome) {
    let text = unexplained(out);
    assert!(
        text.is_empty(),
        "{mock} mock differs from the real gate v0.2.0 ({} compared):\n{text}",
        out.compared
    );
}

#[test]
fn the_lax_mock_answers_every_recorded_exchange_as_the_gate() {
    assert_answers_as_the_gate("lax", &replays().0);
}

#[test]
fn the_strict_mock_answers_every_non_lax_exchange_as_the_gate() {
    assert_answers_as_the_gate("strict", &replays().1);
}

#[test]
fn no_deviation_entry_is_stale() {
    let (lax, strict) = replays();
    let ids: BTreeSet<String> = lax
        .differing
        .keys()
        .chain(strict.differing.keys())
        .cloned()
        .collect();
    let hits: BTreeSet<usize> = lax
        .member_deviations
        .values()
        .chain(strict.member_deviations.values())
        .flatten()
        .copied()
        .collect();
    let c = replay::classify(&ids, &hits, &deviations());
    eprintln!(
        "deliberate deviations: {} exchanges; known open differences: {} exchanges",
        c.deviations.len(),
        c.known_open.len()
    );
    assert!(
        c.stale.is_empty(),
        "entries of deviations.toml that match no difference: {:?}",
        c.stale
    );
}

#[test]
fn every_deviation_names_a_row_of_the_parity_table() {
    let readme = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../mock-gate/README.md"),
    )
    .expect("mock-gate/README.md");
    let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with('|')).collect();
    for d in deviations().deviation {
        assert!(
            rows.iter().any(|r| r.split('|').nth(1).is_some_and(|c| c.trim() == d.parity_row.trim())),
            "deviation {:?} names parity row '{}', which is not the first cell of a table row of mock-gate/README.md",
            d.exchanges,
            d.parity_row
        );
    }
}

#[test]
fn the_corpus_holds_no_machine_path() {
    for f in [corpus::MANIFEST, corpus::SUITE, corpus::EXPLORE] {
        let text = std::fs::read_to_string(dir().join(f)).expect("corpus file");
        // Top-level folders of the machine the corpus was recorded on.
        for dir in ["work", "tmp", "root", "opt"] {
            let p = format!("/{dir}/");
            assert!(!text.contains(&p), "{f} contains a machine path ({p})");
        }
    }
}
