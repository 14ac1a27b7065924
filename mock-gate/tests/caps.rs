//! Store bounds seen from outside: what a client reads once a cap made the gate forget.

mod support;

use latchgate_mock::{Caps, GateControl, MockGate, MockGateBuilder, RateLimits};
use serde_json::{json, Value};
use support::{fs_read, fs_root_with, get_client, post_lease, Agent, Lease, Op, Resp, Target};

/// A builder without rate limits whose caps are the defaults changed by `set`.
fn capped_builder(set: impl FnOnce(&mut Caps)) -> MockGateBuilder {
    let mut caps = Caps::default();
    set(&mut caps);
    MockGate::builder()
        .rate_limits(RateLimits::unlimited())
        .caps(caps)
}

/// A gate without rate limits whose caps are the defaults changed by `set`.
async fn capped(set: impl FnOnce(&mut Caps)) -> MockGate {
    capped_builder(set).start().await.unwrap()
}

#[tokio::test]
async fn journal_keeps_the_newest_entries_and_the_control_api_reports_the_dropped_count() {
    let g = capped(|c| c.journal = 3).await;
    for _ in 0..5 {
        get_client(&g, "/healthz").await;
    }
    let c = g.control_client().unwrap();
    let v = c.call("GET", "/_mock/journal", None).await.unwrap();
    let seqs: Vec<u64> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [3, 4, 5], "kept entries");
    assert_eq!(v["dropped"], json!(2), "dropped count");
    assert_eq!(c.journal_entries().await.unwrap().len(), 3);
}

#[tokio::test]
async fn evicted_receipt_reads_as_an_unknown_receipt() {
    let g = capped(|c| c.receipts = 1).await;
    let a = Agent::new();
    let l = a
        .lease_with(&g, json!({"budgets": {"max_calls": 10}}))
        .await;
    let first = a.fetch_ok(&g, &l).await.json();
    let second = a.fetch_ok(&g, &l).await.json();
    let read = |id: Value| {
        let (a, g, l) = (&a, &g, &l);
        async move {
            let r = a
                .get(g, l, &format!("/v1/receipts/{}", id.as_str().unwrap()))
                .await;
            (r.status, r.text())
        }
    };
    let evicted = read(first["receipt_id"].clone()).await;
    let unknown = read(json!("0190f0f0-0000-7000-8000-000000000000")).await;
    assert_eq!(
        evicted, unknown,
        "evicted receipt answers differently from an unknown one"
    );
    assert_eq!(evicted.0, 404);
    assert_eq!(
        read(second["receipt_id"].clone()).await.0,
        200,
        "newest receipt lost"
    );
}

async fn held(g: &MockGate, a: &Agent, l: &Lease, host: &str) -> String {
    let url = format!("https://{host}/x");
    a.hold(g, l, &url).await.member("approval_id")
}

#[tokio::test]
async fn full_approval_store_forgets_a_denied_approval_before_a_pending_one() {
    let g = capped(|c| c.approvals = 2).await;
    let a = Agent::new();
    let l = a.lease(&g).await;
    let pending = held(&g, &a, &l, "one.example.org").await;
    let denied = held(&g, &a, &l, "two.example.org").await;
    let op = Op::of(&g);
    let d = op.deny(&g, &denied).await;
    assert_eq!(d.status, 200, "{}", d.text());
    held(&g, &a, &l, "three.example.org").await;
    let status = |id: String| {
        let (op, g) = (&op, &g);
        async move { op.get(g, &format!("/v1/approvals/{id}")).await.status }
    };
    assert_eq!(status(denied).await, 404, "denied approval kept");
    assert_eq!(
        status(pending).await,
        200,
        "pending approval forgotten first"
    );
}

#[tokio::test]
async fn full_learned_table_refuses_a_new_domain_with_ledger_error() {
    let g = capped(|c| c.learned_rows = 1).await;
    let op = Op::of(&g);
    let add = |domain: &'static str| {
        let (op, g) = (&op, &g);
        async move {
            op.json(
                g,
                "POST",
                "/v1/admin/domains",
                json!({"action_id": "http_fetch", "domain": domain}),
            )
            .await
        }
    };
    assert_eq!(add("a.example.org").await.status, 200);
    let full = add("b.example.org").await;
    assert_eq!(
        (full.status, full.text()),
        (500, r#"{"error":"ledger_error"}"#.to_string())
    );
}

#[tokio::test]
async fn audit_ledger_keeps_the_configured_number_of_events() {
    let g = capped(|c| c.audit_events = 2).await;
    let a = Agent::new();
    for _ in 0..3 {
        a.lease(&g).await;
    }
    assert_eq!(support::audit_events(&g, "").await.len(), 2);
}

/// A gate holding one session fs root, accepting roots under the temp dir, and a first agent
/// whose lease holds `first` (a root with `README.md` reading "first").
async fn one_root_gate(first: &std::path::Path) -> (MockGate, Agent, Lease) {
    let tmp = std::env::temp_dir().canonicalize().unwrap();
    let g = capped_builder(|c| c.session_fs_roots = 1)
        .fs_root_allowed_prefixes(vec![tmp])
        .start()
        .await
        .unwrap();
    let a = Agent::new();
    let l = a.lease_with(&g, json!({"fs_root": first})).await;
    (g, a, l)
}

/// A new agent's lease request asking for `root`.
async fn lease_rooted_at(g: &MockGate, root: &std::path::Path) -> Resp {
    let body = json!({"scopes": ["tools:call"], "dpop_jwk": Agent::new().jwk(), "fs_root": root});
    post_lease(&Target::client(g), &body).await
}

#[tokio::test]
async fn full_fs_root_store_refuses_a_lease_asking_for_another_root() {
    let (first, second) = (fs_root_with(&[("README.md", "first")]), fs_root_with(&[]));
    let (g, _, _) = one_root_gate(first.path()).await;
    let r = lease_rooted_at(&g, second.path()).await;
    assert_eq!(
        (r.status, r.text()),
        (503, r#"{"error":"store_unavailable"}"#.to_string()),
        "lease with an fs_root over the cap"
    );
}

#[tokio::test]
async fn full_fs_root_store_keeps_the_live_session_on_its_root() {
    let (first, second) = (fs_root_with(&[("README.md", "first")]), fs_root_with(&[]));
    let (g, a, l) = one_root_gate(first.path()).await;
    lease_rooted_at(&g, second.path()).await;
    let r = a.execute(&g, &l, "fs_read", &fs_read("README.md")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json()["output"]["data"]["content_base64"],
        json!("Zmlyc3Q="),
        "the first session no longer reads its own root"
    );
}

/// `1 000` style, as the README writes numbers.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[test]
fn readme_caps_table_and_toml_example_show_the_defaults() {
    let readme = include_str!("../README.md");
    let c = Caps::default();
    for (row, key, n) in [
        ("journal", "journal", c.journal),
        ("receipts", "receipts", c.receipts),
        ("approvals", "approvals", c.approvals),
        ("audit events", "audit_events", c.audit_events),
        ("learned rows, per table", "learned_rows", c.learned_rows),
        (
            "verified lease tokens",
            "verified_leases",
            c.verified_leases,
        ),
        ("session fs roots", "session_fs_roots", c.session_fs_roots),
    ] {
        let cell = format!("| {row} | {} ", grouped(n));
        assert!(readme.contains(&cell), "README caps table lacks {cell:?}");
        let toml = format!("\n{key} = {n}\n");
        assert!(readme.contains(&toml), "README TOML example lacks {toml:?}");
    }
}
