//! The seeded generator of request sequences. Case `k` of seed `s` is drawn from its own
//! ChaCha8 stream (seeded with `s` and `k`), so `--case K` regenerates exactly that case and the
//! same seed always gives the same run. Each case starts with its own lease and restores what it
//! changes on the gate (operator CRUD is undone, learned rows are removed).

use super::fsgen;
use super::steps::Step;
use crate::catalogue::Catalogue;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::sync::LazyLock;

/// What the generator may use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caps {
    /// Both gates' clocks can be moved (approval expiry).
    pub clock: bool,
}

/// The families of sequences, in the order of their weights.
const FAMILIES: [(&str, u32); 7] = [
    ("fs_path", 30),
    ("params", 20),
    ("probe", 20),
    ("approval", 12),
    ("budget", 6),
    ("operator", 8),
    ("read", 4),
];

/// Case `k` of seed `seed`: its family and steps.
pub fn case(seed: u64, k: u64, caps: Caps) -> (String, Vec<Step>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let total: u32 = FAMILIES.iter().map(|f| f.1).sum();
    let mut pick = rng.gen_range(0..total);
    let family = FAMILIES
        .iter()
        .find(|(_, w)| {
            if pick < *w {
                true
            } else {
                pick -= w;
                false
            }
        })
        .map_or("fs_path", |f| f.0);
    if family == "operator" {
        let (name, steps) = operator(&mut rng);
        return (format!("operator_{name}"), steps);
    }
    if family == "approval" {
        let (web, steps) = approval(&mut rng, caps);
        let name = if web { "approval_web" } else { "approval_fs" };
        return (name.to_string(), steps);
    }
    let steps = match family {
        "fs_path" => fs_path(&mut rng),
        "params" => params(&mut rng),
        "probe" => probe(&mut rng),
        "budget" => budget(&mut rng),
        _ => read(&mut rng),
    };
    (family.to_string(), steps)
}

fn lease() -> Step {
    Step::Lease { extra: json!({}) }
}

fn exec(action: &str, params: Value) -> Step {
    Step::Execute {
        action: action.into(),
        params,
    }
}

fn fs_path(rng: &mut ChaCha8Rng) -> Vec<Step> {
    let mut steps = vec![lease()];
    for _ in 0..rng.gen_range(1..=3) {
        let path = fsgen::path(rng);
        steps.push(exec("fs_read", json!({"operation": "read", "path": path})));
    }
    steps
}

fn params(rng: &mut ChaCha8Rng) -> Vec<Step> {
    let action = *[
        "fs_read",
        "fs_write",
        "http_fetch",
        "http_post",
        "lgc_missing",
    ]
    .choose(rng)
    .unwrap_or(&"fs_read");
    let body = fsgen::params(rng, action);
    vec![lease(), exec(action, body)]
}

/// The catalogue's probes: endpoint and mutation lines, without address-dependent ones.
static PROBES: LazyLock<Vec<(String, Vec<String>)>> = LazyLock::new(|| {
    Catalogue::builtin()
        .scenarios()
        .iter()
        .filter_map(|s| Some((s.probe.clone()?, s.mutation.clone())))
        .filter(|(_, m)| !m.iter().any(|l| portable_not(l)))
        .collect()
});

fn probe(rng: &mut ChaCha8Rng) -> Vec<Step> {
    let Some((endpoint, first)) = PROBES.choose(rng) else {
        return vec![lease()];
    };
    let mut mutation = first.clone();
    if rng.gen_bool(0.4) {
        let same: Vec<_> = PROBES.iter().filter(|(p, _)| p == endpoint).collect();
        if let Some((_, more)) = same.choose(rng) {
            mutation.extend(more.iter().cloned());
        }
    }
    vec![Step::Probe {
        probe: endpoint.clone(),
        mutation,
    }]
}

/// Mutations whose meaning depends on the side's address (skipped on some targets).
fn portable_not(m: &str) -> bool {
    m.contains("{admin_base}") || m.contains("{htu_default_port}") || m.starts_with("host ")
}

fn approval(rng: &mut ChaCha8Rng, caps: Caps) -> (bool, Vec<Step>) {
    let web = rng.gen_bool(0.35);
    let (action, params, learn, undo) = if web {
        let host = "lgc-{nonce}.example.com";
        (
            "http_fetch",
            json!({"url": format!("https://{host}/x")}),
            format!("learn_domain={host}"),
            Step::Operator {
                method: "DELETE".into(),
                path: "/v1/admin/domains".into(),
                body: Some(json!({"action_id": "http_fetch", "domain": host})),
            },
        )
    } else {
        let path = "notes/lgc-{nonce}.txt";
        (
            "fs_read",
            json!({"operation": "read", "path": path}),
            format!("learn_path={path}"),
            Step::Operator {
                method: "DELETE".into(),
                path: "/v1/admin/paths".into(),
                body: Some(json!({"action_id": "fs_read", "path_glob": path})),
            },
        )
    };
    let mut steps = vec![lease(), exec(action, params.clone()), Step::Poll];
    match rng.gen_range(0..5) {
        0 => steps.push(Step::Decide {
            approve: false,
            query: String::new(),
        }),
        1 if caps.clock => steps.push(Step::Advance {
            secs: *[299u64, 301, 3600].choose(rng).unwrap_or(&301),
        }),
        2 => steps.push(Step::Decide {
            approve: true,
            query: String::new(),
        }),
        _ => steps.push(Step::Decide {
            approve: true,
            query: learn,
        }),
    }
    steps.extend([Step::Poll, Step::Detail]);
    if rng.gen_bool(0.5) {
        steps.push(Step::Decide {
            approve: rng.gen_bool(0.5),
            query: String::new(),
        });
    }
    steps.extend([exec(action, params), Step::Receipt, undo]);
    (web, steps)
}

fn budget(rng: &mut ChaCha8Rng) -> Vec<Step> {
    let max = rng.gen_range(1..=3u32);
    let extra = match rng.gen_range(0..4) {
        0 => json!({"max_calls": max}),
        1 => json!({"max_calls": max, "ttl_seconds": 60}),
        2 => json!({"max_calls": 0}),
        _ => json!({"max_calls": -1}),
    };
    let mut steps = vec![Step::Lease { extra }];
    for _ in 0..=max {
        steps.push(exec(
            "fs_read",
            json!({"operation": "read", "path": "README.md"}),
        ));
    }
    steps.push(Step::Receipt);
    steps
}

fn op(method: &str, path: &str, body: Option<Value>) -> Step {
    Step::Operator {
        method: method.into(),
        path: path.into(),
        body,
    }
}

/// An operator CRUD sequence: add, read the principal's policy, execute, undo (twice: the
/// second undo of a removed entry is part of the surface).
fn operator(rng: &mut ChaCha8Rng) -> (&'static str, Vec<Step>) {
    let (name, add, body, run, undo) = match rng.gen_range(0..4) {
        0 => {
            let domain = if rng.gen_bool(0.3) {
                "localhost"
            } else {
                "lgc-{nonce}.example.org"
            };
            let b = json!({"action_id": "http_fetch", "domain": domain});
            let run = exec(
                "http_fetch",
                json!({"url": "https://lgc-{nonce}.example.org/x"}),
            );
            (
                "domains",
                "/v1/admin/domains",
                b,
                run,
                ("DELETE", "/v1/admin/domains"),
            )
        }
        1 => {
            let glob = *[
                "lgc-{nonce}/**",
                "lgc-{nonce}/*.txt",
                "/abs/{nonce}",
                "../{nonce}",
            ]
            .choose(rng)
            .unwrap_or(&"lgc-{nonce}/**");
            let b = json!({"action_id": "fs_read", "path_glob": glob});
            let run = exec(
                "fs_read",
                json!({"operation": "read", "path": "lgc-{nonce}/a.txt"}),
            );
            (
                "paths",
                "/v1/admin/paths",
                b,
                run,
                ("DELETE", "/v1/admin/paths"),
            )
        }
        2 => {
            let b = json!({"principal": "dev:anonymous", "actions": ["http_post"]});
            let url = "https://lgc-{nonce}.example.net/";
            let run = exec("http_post", json!({"url": url, "body": "{}"}));
            let undo = ("POST", "/v1/admin/policy/revoke");
            ("grant", "/v1/admin/policy/grant", b, run, undo)
        }
        _ => {
            let b = json!({"action_id": "fs_read", "agent_id": "dev:anonymous"});
            let run = exec(
                "fs_read",
                json!({"operation": "read", "path": "lgc-{nonce}.txt"}),
            );
            let undo = ("DELETE", "/v1/admin/policy/allowlist");
            ("allowlist", "/v1/admin/policy/allowlist", b, run, undo)
        }
    };
    let remove = op(undo.0, undo.1, Some(body.clone()));
    let steps = vec![
        lease(),
        op("POST", add, Some(body)),
        op("GET", "/v1/admin/policy/dev:anonymous", None),
        run,
        remove.clone(),
        remove,
    ];
    (name, steps)
}

fn read(rng: &mut ChaCha8Rng) -> Vec<Step> {
    let path = *[
        "/v1/actions",
        "/v1/actions/fs_read",
        "/v1/actions/http_fetch/schema/request",
        "/v1/actions/lgc_missing",
        "/v1/actions/fs_read/schema/response",
        "/v1/receipts/not-a-uuid",
    ]
    .choose(rng)
    .unwrap_or(&"/v1/actions");
    vec![lease(), Step::AgentGet { path: path.into() }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_and_case_give_the_same_steps() {
        for k in 0..50 {
            assert_eq!(
                case(7, k, Caps::default()),
                case(7, k, Caps::default()),
                "case {k}"
            );
        }
    }

    #[test]
    fn different_seeds_give_different_runs() {
        let a: Vec<_> = (0..20).map(|k| case(1, k, Caps::default())).collect();
        let b: Vec<_> = (0..20).map(|k| case(2, k, Caps::default())).collect();
        assert_ne!(a, b);
    }

    #[test]
    fn every_family_is_drawn_in_a_few_hundred_cases() {
        let fams: std::collections::BTreeSet<String> =
            (0..300).map(|k| case(3, k, Caps::default()).0).collect();
        assert_eq!(
            fams.len(),
            FAMILIES.len() + 4,
            "families drawn (approval split in 2, operator in 4): {fams:?}"
        );
    }
}
