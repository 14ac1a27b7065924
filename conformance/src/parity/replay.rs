//! Replaying a corpus against a gate: the suite scenarios it holds and its generated cases are
//! run again (same seed) and every recorded exchange is compared with the new answer by id.

use super::corpus::{matches, Corpus, Deviations};
use super::diff;
use super::exchange::{NormExchange, NormResponse};
use super::node::Node;
use super::run::{self, Side};
use super::{explore, suite_scenarios, ParityError};
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet};

/// Which exchanges are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Every exchange (the gate replays the real gate's laxness).
    Lax,
    /// Exchanges not marked `lax` (a strict gate refuses what v0.2.0 lets through).
    Strict,
}

/// The outcome of a replay.
#[derive(Clone, Debug, Default)]
pub struct ReplayOutcome {
    /// Exchanges compared.
    pub compared: usize,
    /// Exchanges marked lax and not compared (strict mode).
    pub lax_skipped: usize,
    /// Differing exchanges: id → rendered differences.
    pub differing: BTreeMap<String, String>,
    /// Exchanges that differ only in members a deviation names: id → entry indices.
    pub member_deviations: BTreeMap<String, Vec<usize>>,
}

/// Replays `corpus` against `side`, `jobs` scenarios or cases at once.
pub async fn replay(
    corpus: &Corpus,
    side: &Side,
    mode: Mode,
    jobs: usize,
    dev: &Deviations,
) -> Result<ReplayOutcome, ParityError> {
    let recorded: BTreeMap<&str, &NormExchange> = corpus
        .suite
        .iter()
        .chain(&corpus.explore)
        .map(|x| (x.id.as_str(), x))
        .collect();
    let ids: BTreeSet<String> = corpus
        .suite
        .iter()
        .filter_map(|x| x.id.split('/').nth(1).map(str::to_string))
        .collect();
    let scenarios: Vec<_> = suite_scenarios(&[])?
        .into_iter()
        .filter(|s| ids.contains(&s.id))
        .collect();
    if scenarios.len() != ids.len() {
        let known: BTreeSet<_> = scenarios.iter().map(|s| s.id.clone()).collect();
        let missing: Vec<_> = ids.difference(&known).cloned().collect();
        return Err(ParityError::UnknownScenarios(missing));
    }
    let caps = explore::Caps {
        clock: corpus.manifest.clock,
    };
    let seed = corpus.manifest.seed;
    let suite = futures::stream::iter(scenarios.iter())
        .map(|s| async move {
            run::scenario_one(side, s)
                .await
                .map(Option::unwrap_or_default)
        })
        .buffer_unordered(jobs.max(1));
    let cases = futures::stream::iter(0..corpus.manifest.explore_cases)
        .map(|k| async move {
            let (family, steps) = explore::case(seed, k, caps);
            run::run_case(side, &run::case_prefix(k, &family), &steps, &run::nonce()).await
        })
        .buffer_unordered(jobs.max(1));
    let mut fresh: BTreeMap<String, NormExchange> = BTreeMap::new();
    let mut all = suite.chain(cases);
    while let Some(r) = all.next().await {
        for x in r? {
            fresh.insert(x.id.clone(), x);
        }
    }
    Ok(compare(&recorded, &fresh, mode, dev))
}

fn compare(
    recorded: &BTreeMap<&str, &NormExchange>,
    fresh: &BTreeMap<String, NormExchange>,
    mode: Mode,
    dev: &Deviations,
) -> ReplayOutcome {
    let mut out = ReplayOutcome::default();
    for (id, rec) in recorded {
        if mode == Mode::Strict && !rec.lax.is_empty() {
            out.lax_skipped += 1;
            continue;
        }
        out.compared += 1;
        match fresh.get(*id) {
            None => {
                out.differing
                    .insert(id.to_string(), "  not produced by this gate\n".into());
            }
            Some(now) => {
                let d = diff::compare(rec, now);
                if d.is_empty() {
                    continue;
                }
                let masks = dev.member_entries(id);
                let members = dev.members_of(&masks);
                let (r2, n2) = (mask(rec, &members), mask(now, &members));
                let d2 = diff::compare(&r2, &n2);
                if d2.len() < d.len() || (d2.is_empty() && !masks.is_empty()) {
                    out.member_deviations.insert(id.to_string(), masks);
                }
                if !d2.is_empty() {
                    out.differing.insert(id.to_string(), diff::render(&r2, &d2));
                }
            }
        }
    }
    for id in fresh
        .keys()
        .filter(|id| !recorded.contains_key(id.as_str()))
    {
        out.differing.insert(
            id.clone(),
            "  produced by this gate, not in the corpus\n".into(),
        );
    }
    out
}

/// The exchange with the named body members replaced by `<deviation>`.
pub(super) fn mask(x: &NormExchange, members: &[&str]) -> NormExchange {
    let mut x = x.clone();
    if members.is_empty() {
        return x;
    }
    if let NormResponse::Http {
        body, body_kind, ..
    } = &mut x.response
    {
        if body_kind == "json" {
            if let Some(mut node) = Node::parse(body.as_bytes()) {
                for m in members {
                    let path: Vec<&str> = m.split('.').collect();
                    mask_node(&mut node, &path);
                }
                *body = node.compact();
            }
        }
    }
    x
}

fn mask_node(n: &mut Node, path: &[&str]) {
    let Some((head, rest)) = path.split_first() else {
        *n = Node::Str("<deviation>".into());
        return;
    };
    match n {
        Node::Obj(m) => m
            .iter_mut()
            .filter(|(k, _)| *head == "*" || k == head)
            .for_each(|(_, v)| mask_node(v, rest)),
        Node::Arr(a) if *head == "*" => a.iter_mut().for_each(|v| mask_node(v, rest)),
        _ => {}
    }
}

/// Differences sorted by the reviewed deviations file.
#[derive(Clone, Debug, Default)]
pub struct Classified {
    /// Differing ids no entry explains.
    pub unexplained: Vec<String>,
    /// Differing ids explained by a deliberate deviation.
    pub deviations: Vec<String>,
    /// Differing ids listed as known open.
    pub known_open: Vec<String>,
    /// Entries (by first glob) that match no differing exchange.
    pub stale: Vec<String>,
}

/// Sorts the differing ids of one or more replays by `dev`; `member_hits` are the deviation
/// entries (indices) that explained member differences.
pub fn classify(
    differing: &BTreeSet<String>,
    member_hits: &BTreeSet<usize>,
    dev: &Deviations,
) -> Classified {
    let mut c = Classified::default();
    for id in differing {
        if dev.whole(id).is_some() {
            c.deviations.push(id.clone());
        } else if dev.is_known_open(id) {
            c.known_open.push(id.clone());
        } else {
            c.unexplained.push(id.clone());
        }
    }
    let used = |globs: &[String]| differing.iter().any(|id| matches(globs, id));
    c.stale.extend(
        dev.deviation
            .iter()
            .enumerate()
            .filter(|(i, d)| {
                if d.members.is_empty() {
                    !used(&d.exchanges)
                } else {
                    !member_hits.contains(i)
                }
            })
            .map(|(_, d)| format!("deviation {:?} {:?}", d.exchanges, d.members)),
    );
    c.stale.extend(
        dev.known_open
            .iter()
            .filter(|k| !used(&k.exchanges))
            .map(|k| format!("known-open {:?}", k.exchanges)),
    );
    c
}
