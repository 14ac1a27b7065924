//! Running exchanges on one side: a gate-suite scenario (its crafted requests, recorded at the
//! HTTP layer the suite uses) or a generated case (steps), normalized with the side's own
//! context literals. Two sides run the same scenario or case at the same time and their
//! exchanges are paired by position.

use super::exchange::{self, NormExchange, NormRequest, NormResponse};
use super::normalize::Normalizer;
use super::steps::{Entry, Session, Step};
use super::ParityError;
use crate::catalogue::{Catalogue, Need, Scenario};
use crate::gate::{GateCtx, Listener};
use crate::http::RawRequest;
use crate::target::{Acquired, GateEnv, TargetProvider};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// Deadline of one scenario or case on one side.
const DEADLINE: Duration = Duration::from_secs(90);

/// One of the two gates compared.
#[derive(Clone)]
pub struct Side {
    /// How it is named in reports (`a`, `b`, or the target text).
    pub label: String,
    /// The gate.
    pub provider: Arc<dyn TargetProvider>,
}

/// The normalizer of one side: its addresses, fs root and the case nonce become placeholders.
pub fn normalizer(env: &GateEnv, nonce: &str) -> Normalizer {
    let mut lits = vec![
        (env.client.base_url(), "<base>".to_string()),
        (env.public_base.clone(), "<base>".to_string()),
        (nonce.to_string(), "<nonce>".to_string()),
    ];
    if let Some(a) = &env.admin {
        lits.push((a.base_url(), "<admin>".to_string()));
    }
    if let Some(r) = &env.fs_root {
        lits.push((r.clone(), "<fs_root>".to_string()));
    }
    Normalizer::new(lits)
}

fn not_sent(id: String, reason: &str) -> NormExchange {
    NormExchange {
        id,
        listener: "-".into(),
        request: NormRequest {
            method: "-".into(),
            target: "-".into(),
            headers: vec![],
            body: String::new(),
        },
        response: NormResponse::NotSent {
            reason: reason.into(),
        },
        lax: vec![],
    }
}

fn normalize_all(
    prefix: &str,
    env: &GateEnv,
    nonce: &str,
    entries: &[Entry],
    labels: &[String],
) -> Vec<NormExchange> {
    let n = normalizer(env, nonce);
    let client = env.client.to_string();
    let mut raw: Vec<RawRequest> = Vec::new();
    let mut out: Vec<NormExchange> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let id = match labels.get(i) {
                Some(l) => format!("{prefix}/{i}.{l}"),
                None => format!("{prefix}/{i}"),
            };
            match e {
                Entry::Sent(x) => {
                    raw.push(x.request.clone());
                    exchange::normalize(&n, id, &client, x)
                }
                Entry::NotSent(why) => {
                    raw.push(RawRequest::default());
                    not_sent(id, &n.text(why))
                }
                Entry::Verdict(v) => {
                    raw.push(RawRequest::default());
                    let mut x = not_sent(id, "");
                    x.request.method = "VERDICT".into();
                    x.response = NormResponse::Verdict { outcome: n.text(v) };
                    x
                }
            }
        })
        .collect();
    exchange::mark_lax(&mut out, &raw);
    out
}

/// A scenario to carry generated steps (probes borrow the suite's interpreter through it).
fn carrier() -> Scenario {
    static CARRIER: LazyLock<Scenario> = LazyLock::new(|| {
        let cat = Catalogue::builtin();
        cat.scenarios()
            .iter()
            .find(|s| s.probe.is_some())
            .or_else(|| cat.scenarios().first())
            .cloned()
            .expect("the built-in catalogue has scenarios")
    });
    CARRIER.clone()
}

async fn acquire(side: &Side) -> Result<Acquired, ParityError> {
    side.provider
        .acquire()
        .await
        .map_err(|reason| ParityError::Unavailable {
            side: side.label.clone(),
            reason,
        })
}

/// Runs generated `steps` on one side; exchange ids are `prefix/n`.
pub async fn run_case(
    side: &Side,
    prefix: &str,
    steps: &[Step],
    nonce: &str,
) -> Result<Vec<NormExchange>, ParityError> {
    let acquired = acquire(side).await?;
    let env = acquired.env.clone();
    let mut session = Session::new(GateCtx::new(env.clone(), carrier()), nonce);
    let work = async {
        for s in steps {
            session.step(s).await;
        }
    };
    if tokio::time::timeout(DEADLINE, work).await.is_err() {
        session
            .entries
            .push(Entry::NotSent("the case did not finish in time".into()));
        session.labels.push("deadline".into());
    }
    let out = normalize_all(prefix, &env, nonce, &session.entries, &session.labels);
    drop(acquired);
    Ok(out)
}

/// The exchanges of a gate-suite scenario on one acquired gate.
async fn scenario_on(env: GateEnv, s: &Scenario, prefix: &str) -> Vec<NormExchange> {
    let Some(imp) = crate::gate::implementation(s) else {
        return vec![not_sent(format!("{prefix}/0"), "no implementation")];
    };
    let mut ctx = GateCtx::new(env.clone(), s.clone());
    let verdict = match tokio::time::timeout(DEADLINE, imp(&mut ctx)).await {
        Err(_) => "fail: the scenario did not finish in time".to_string(),
        Ok(Ok(())) => "pass".to_string(),
        Ok(Err(crate::check::Failure::Skip(r))) => format!("skip: {r}"),
        Ok(Err(crate::check::Failure::Fail(e))) => format!("fail: {}", e.message),
    };
    let mut entries: Vec<Entry> = ctx.log.iter().cloned().map(Entry::Sent).collect();
    entries.push(Entry::Verdict(verdict));
    normalize_all(prefix, &env, "", &entries, &[])
}

/// True when the scenario's verdict on this side is a skip (found out while running, e.g. no
/// `/_mock/` control API): its exchanges say nothing about parity.
fn skipped(v: &[NormExchange]) -> bool {
    v.last().is_some_and(|x| {
        matches!(&x.response, NormResponse::Verdict { outcome } if outcome.starts_with("skip:"))
    })
}

/// Why `env` cannot run `s`, if it cannot.
fn lacks(s: &Scenario, env: &GateEnv) -> Option<String> {
    s.needs.iter().find_map(|n| env.lacks(n))
}

/// Whether the admin listener answers the mock's `/_mock/` control API. A scenario that registers
/// actions runs only when both sides do: on one side alone it would leave actions there that the
/// later exchanges (the catalogue, `/metrics`) would show as differences.
async fn offers_control_api(env: &GateEnv) -> bool {
    let mut ctx = GateCtx::new(env.clone(), carrier());
    let probe = ctx.control_request("GET", "/_mock/clock");
    matches!(ctx.send(Listener::Admin, probe).await, Ok(r) if r.status == 200)
}

/// A gate-suite scenario on both sides at once (alone when the catalogue says so, as in a run);
/// `Ok(None)` when either side cannot run it.
pub async fn scenario_pair(
    a: &Side,
    b: &Side,
    s: &Scenario,
) -> Result<Option<(Vec<NormExchange>, Vec<NormExchange>)>, ParityError> {
    let (ga, gb) = tokio::join!(acquire(a), acquire(b));
    let (ga, gb) = (ga?, gb?);
    if lacks(s, &ga.env).or_else(|| lacks(s, &gb.env)).is_some() {
        return Ok(None);
    }
    if s.needs.contains(&Need::Actions) {
        let (ca, cb) = tokio::join!(offers_control_api(&ga.env), offers_control_api(&gb.env));
        if !(ca && cb) {
            return Ok(None);
        }
    }
    let prefix = format!("suite/{}", s.id);
    let turn = crate::runner::turn_of(s).await;
    let (xa, xb) = tokio::join!(
        scenario_on(ga.env.clone(), s, &prefix),
        scenario_on(gb.env.clone(), s, &prefix)
    );
    drop((turn, ga, gb));
    if skipped(&xa) || skipped(&xb) {
        return Ok(None);
    }
    Ok(Some((xa, xb)))
}

/// A gate-suite scenario on one side; `Ok(None)` when the side cannot run it.
pub async fn scenario_one(
    side: &Side,
    s: &Scenario,
) -> Result<Option<Vec<NormExchange>>, ParityError> {
    let g = acquire(side).await?;
    if lacks(s, &g.env).is_some() {
        return Ok(None);
    }
    let turn = crate::runner::turn_of(s).await;
    let out = scenario_on(g.env.clone(), s, &format!("suite/{}", s.id)).await;
    drop((turn, g));
    Ok((!skipped(&out)).then_some(out))
}

/// Pairs two runs by position; a side with fewer exchanges gets "not sent" entries.
pub fn pair(a: Vec<NormExchange>, b: Vec<NormExchange>) -> Vec<(NormExchange, NormExchange)> {
    let n = a.len().max(b.len());
    let pad = |v: &[NormExchange], other: &[NormExchange], i: usize| {
        v.get(i)
            .cloned()
            .unwrap_or_else(|| not_sent(other[i].id.clone(), "no such exchange on this side"))
    };
    (0..n).map(|i| (pad(&a, &b, i), pad(&b, &a, i))).collect()
}

/// The id prefix of generated case `k`: `explore/<k>.<family>`.
pub fn case_prefix(k: u64, family: &str) -> String {
    format!("explore/{k}.{family}")
}

/// A fresh nonce for one case (the same on both sides).
pub fn nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Fails with a clear message when the side's gate does not answer `GET /readyz`.
pub async fn reachable(side: &Side) -> Result<(), ParityError> {
    let g = acquire(side).await?;
    let req = RawRequest::new("GET", "/readyz");
    crate::http::send(&g.env.client, &req, Duration::from_secs(5))
        .await
        .map(drop)
        .map_err(|reason| ParityError::Unreachable {
            side: side.label.clone(),
            endpoint: g.env.client.to_string(),
            reason,
        })
}

/// True when the side's gate clock can be moved.
pub async fn has_clock(side: &Side) -> Result<bool, ParityError> {
    Ok(acquire(side).await?.env.clock.is_some())
}

/// The gate's version, from `GET /v1/admin/status` (needs operator credentials).
pub async fn gate_version(side: &Side) -> Result<String, ParityError> {
    let g = acquire(side).await?;
    let mut ctx = GateCtx::new(g.env.clone(), carrier());
    let resp =
        ctx.operator("GET", "/v1/admin/status")
            .await
            .map_err(|_| ParityError::NoStatusAccess {
                side: side.label.clone(),
            })?;
    resp.json()
        .and_then(|v| v["version"].as_str().map(str::to_string))
        .ok_or_else(|| ParityError::NoVersion {
            side: side.label.clone(),
            status: resp.status,
        })
}

/// Every scenario and generated case of `plan` on one side: (suite, explore, scenarios run).
pub async fn record_all(
    side: &Side,
    plan: &super::DiffPlan,
) -> Result<(Vec<NormExchange>, Vec<NormExchange>, usize), ParityError> {
    use futures::StreamExt;
    // The suite first, then the generated cases: the order `replay` runs them in, so a scenario
    // that lists what the gate holds (pending approvals) sees the same history on both sides.
    let jobs = plan.jobs.max(1);
    let mut suite = Vec::new();
    let mut ran = 0;
    let mut s = futures::stream::iter(plan.scenarios.iter())
        .map(|s| scenario_one(side, s))
        .buffered(jobs);
    while let Some(r) = s.next().await {
        if let Some(x) = r? {
            ran += 1;
            suite.extend(x);
        }
    }
    let mut explore = Vec::new();
    let mut c = futures::stream::iter(0..plan.explore)
        .map(|k| async move {
            let (family, steps) = super::explore::case(plan.seed, k, plan.caps);
            run_case(side, &case_prefix(k, &family), &steps, &nonce()).await
        })
        .buffered(jobs);
    while let Some(r) = c.next().await {
        explore.extend(r?);
    }
    Ok((suite, explore, ran))
}
