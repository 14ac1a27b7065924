//! Each test-only mutant disables exactly the rule it names: the faithful gate refuses, the
//! mutant accepts (or misbehaves as documented).

mod support;

use std::time::Duration;

use latchgate_mock::{MockGate, MockGateBuilder, Mutant};
use serde_json::{json, Value};
use support::{
    ath, b64, fs_read, htu, jcs_sha256, leased_on, post_lease, receipt_result_hash, send,
    send_dpop, sign, Agent, Lease, Target, FETCH_PATH as PATH,
};

const BODY: &str = r#"{"url":"https://httpbin.org/get"}"#;

/// The faithful gate's builder (`None`) or one with the mutant.
fn builder_with(m: Option<Mutant>) -> MockGateBuilder {
    let b = MockGate::builder();
    match m {
        Some(m) => b.mutant(m),
        None => b,
    }
}

/// The faithful gate (`None`) or one with the mutant.
async fn gate_with(m: Option<Mutant>) -> MockGate {
    builder_with(m).start().await.unwrap()
}

/// [`gate_with`] and a fresh agent holding a lease on it.
async fn leased_with(m: Option<Mutant>) -> (MockGate, Agent, Lease) {
    leased_on(builder_with(m)).await
}

/// Executes `http_fetch` authorised by `token` and `proof`; the status.
async fn execute_with(g: &MockGate, token: &str, proof: &str) -> u16 {
    send_dpop(g, "POST", PATH, (token, proof), BODY.as_bytes())
        .await
        .status
}

/// Status of one execute with a proof built by `tweak` (header, claims) on `mutant` and on
/// the faithful gate.
async fn both(
    mutant: Mutant,
    tweak: impl Fn(&mut Value, &mut Value),
    before: impl Fn(&MockGate),
) -> (u16, u16) {
    let mut out = vec![];
    for m in [None, Some(mutant)] {
        let (g, a, l) = leased_with(m).await;
        before(&g);
        let mut h = a.header();
        let mut c = Agent::claims("POST", &htu(&g, PATH), &l.token);
        c["iat"] = json!(g.clock().now_unix());
        tweak(&mut h, &mut c);
        out.push(execute_with(&g, &l.token, &sign(&a.key, &h, &c)).await);
    }
    (out[0], out[1])
}

#[tokio::test]
async fn proof_mutants_accept_what_the_gate_refuses() {
    type Tweak = Box<dyn Fn(&mut Value, &mut Value)>;
    let cases: Vec<(Mutant, Tweak)> = vec![
        (Mutant::SkipAth, Box::new(|_, c| c["ath"] = json!(ath("x")))),
        (
            Mutant::SkipHtu,
            Box::new(|_, c| c["htu"] = json!("http://elsewhere/x")),
        ),
        (Mutant::SkipHtm, Box::new(|_, c| c["htm"] = json!("GET"))),
        (
            Mutant::SkipIatWindow,
            Box::new(|_, c| c["iat"] = json!(c["iat"].as_i64().unwrap() - 3600)),
        ),
        (
            Mutant::SkipTypCheck,
            Box::new(|h, _| h["typ"] = json!("JWT")),
        ),
    ];
    for (m, tweak) in cases {
        assert_eq!(both(m, tweak, |_| {}).await, (401, 200), "{m:?}");
    }
}

#[tokio::test]
async fn skip_cnf_binding_and_skip_signature_accept_foreign_keys() {
    for m in [Mutant::SkipCnfBinding, Mutant::SkipSignatureCheck] {
        let mut out = vec![];
        for mutant in [None, Some(m)] {
            let (g, a, l) = leased_with(mutant).await;
            let other = Agent::new();
            let c = Agent::claims("POST", &htu(&g, PATH), &l.token);
            let p = if m == Mutant::SkipCnfBinding {
                sign(&other.key, &other.header(), &c)
            } else {
                sign(&other.key, &a.header(), &c)
            };
            out.push(execute_with(&g, &l.token, &p).await);
        }
        assert_eq!(out, vec![401, 200], "{m:?}");
    }
}

#[tokio::test]
async fn accept_expired_leases_and_forget_replays() {
    let expired = both(
        Mutant::AcceptExpiredLeases,
        |_, _| {},
        |g| {
            g.clock().freeze();
            g.clock().advance(Duration::from_secs(301));
        },
    )
    .await;
    assert_eq!(expired, (401, 200));
    for (m, want) in [(None, 401), (Some(Mutant::ForgetReplays), 200)] {
        let (g, a, l) = leased_with(m).await;
        let p = a.proof_at(&g, "POST", &htu(&g, PATH), &l.token);
        execute_with(&g, &l.token, &p).await;
        assert_eq!(execute_with(&g, &l.token, &p).await, want, "{m:?}");
    }
}

#[tokio::test]
async fn ignore_budgets_lets_an_exhausted_lease_call() {
    for (m, want) in [(None, 403), (Some(Mutant::IgnoreBudgets), 200)] {
        let g = gate_with(m).await;
        let a = Agent::new();
        let l = a.lease_with(&g, json!({"budgets": {"max_calls": 0}})).await;
        assert_eq!(a.fetch_ok(&g, &l).await.status, want, "{m:?}");
    }
}

#[tokio::test]
async fn acl_approval_and_schema_mutants() {
    for (m, action, body, faithful, mutated) in [
        (
            Mutant::SkipAcl,
            "http_post",
            json!({"url": "https://httpbin.org/post", "body": ""}),
            403,
            200,
        ),
        (
            Mutant::SkipApprovalGate,
            "http_fetch",
            json!({"url": "https://unknown.example/x"}),
            202,
            200,
        ),
        (
            Mutant::SkipSchemaValidation,
            "http_fetch",
            json!({"url": "https://httpbin.org/get", "extra": 1}),
            422,
            200,
        ),
    ] {
        for (mm, want) in [(None, faithful), (Some(m), mutated)] {
            let (g, a, l) = leased_with(mm).await;
            assert_eq!(
                a.execute(&g, &l, action, &body).await.status,
                want,
                "{m:?} {mm:?}"
            );
        }
    }
}

#[tokio::test]
async fn skip_poll_session_scope_shows_other_sessions_approvals() {
    for (m, want) in [(None, 404), (Some(Mutant::SkipPollSessionScope), 200)] {
        let (g, a, l) = leased_with(m).await;
        let id = a
            .hold(&g, &l, "https://unknown.example/x")
            .await
            .member("approval_id");
        let b = Agent::new();
        let lb = b.lease(&g).await;
        assert_eq!(b.poll(&g, &lb, &id).await.status, want, "{m:?}");
    }
}

async fn receipt_of(m: Option<Mutant>) -> Value {
    let (g, a, l) = leased_with(m).await;
    let r = a.fetch_ok(&g, &l).await;
    a.receipt_of(&g, &l, &r).await.json()
}

#[tokio::test]
async fn receipt_mutants_break_signature_hash_or_shape() {
    let good = receipt_of(None).await;
    assert_eq!(good["signature_status"], "valid");
    assert_eq!(good["result_hash"], json!(receipt_result_hash(&good)));
    let unsigned = receipt_of(Some(Mutant::UnsignedReceipts)).await;
    assert_eq!(
        (
            unsigned.get("receipt_signature"),
            unsigned["signature_status"].as_str()
        ),
        (None, Some("missing_signature"))
    );
    let garbled = receipt_of(Some(Mutant::GarbledReceiptSignature)).await;
    assert_eq!(garbled["signature_status"], "invalid");
    for m in [Mutant::WrongResultHash, Mutant::ResultHashWithZTimestamps] {
        let r = receipt_of(Some(m)).await;
        assert_ne!(r["result_hash"], json!(receipt_result_hash(&r)), "{m:?}");
        assert_eq!(
            r["signature_status"], "valid",
            "signed over its own (wrong) hash"
        );
    }
    let s = receipt_of(Some(Mutant::ReceiptOutcomeAsString)).await;
    assert_eq!(s["verification_outcome"], json!("verified"));
}

/// Status and `request_hash` of a call held for approval (a host nobody allowed).
async fn held_request_hash(m: Option<Mutant>) -> (u16, Value, String) {
    let (g, a, l) = leased_with(m).await;
    let body = json!({"url": "https://unknown.example/x"});
    let r = a.execute(&g, &l, "http_fetch", &body).await;
    (
        r.status,
        r.json()["request_hash"].clone(),
        jcs_sha256(&body),
    )
}

#[tokio::test]
async fn wrong_request_hash_holds_the_call_with_a_hash_that_is_not_the_bodys() {
    let (status, hash, want) = held_request_hash(None).await;
    assert_eq!((status, hash), (202, json!(want)), "faithful gate");
    let (status, hash, want) = held_request_hash(Some(Mutant::WrongRequestHash)).await;
    assert_eq!(status, 202, "the mutant still holds the call");
    let hash = hash.as_str().unwrap_or_default().to_string();
    assert!(
        hash.len() == want.len() && hash.starts_with("sha256:") && hash != want,
        "the mutant's request_hash must be a well-formed sha256 digest other than the body's {want}: {hash:?}"
    );
}

#[tokio::test]
async fn skip_operator_auth_opens_admin_routes_without_credentials() {
    for (m, want) in [(None, 401), (Some(Mutant::SkipOperatorAuth), 200)] {
        let g = gate_with(m).await;
        let r = send(&Target::admin(&g), "GET", "/v1/admin/status", &[], b"").await;
        assert_eq!(r.status, want, "{m:?}: {}", r.text());
    }
}

#[tokio::test]
async fn accept_unknown_lease_fields_takes_a_lease_request_with_an_extra_member() {
    for (m, want) in [(None, 422), (Some(Mutant::AcceptUnknownLeaseFields), 200)] {
        let g = gate_with(m).await;
        let body =
            json!({"scopes": ["tools:call"], "dpop_jwk": Agent::new().jwk(), "session_id": "mine"});
        let r = post_lease(&Target::client(&g), &body).await;
        assert_eq!(r.status, want, "{m:?}");
    }
}

#[tokio::test]
async fn allowed_network_call_fails_answers_500_for_an_allowed_fetch_only() {
    assert_eq!(
        both(Mutant::AllowedNetworkCallFails, |_, _| {}, |_| {}).await,
        (200, 500),
        "an allowed http_fetch: faithful vs mutant"
    );
    let (g, a, l) = leased_with(Some(Mutant::AllowedNetworkCallFails)).await;
    let r = a.execute(&g, &l, "fs_read", &fs_read("README.md")).await;
    assert_ne!(
        r.status,
        500,
        "an fs action is not a network call: {}",
        r.text()
    );
}

#[tokio::test]
async fn skip_lease_signature_accepts_a_forged_lease() {
    for (m, want) in [(None, 401), (Some(Mutant::SkipLeaseSignature), 200)] {
        let (g, a, l) = leased_with(m).await;
        let mut parts: Vec<String> = l.token.split('.').map(str::to_string).collect();
        parts[2] = b64(&[7u8; 64]);
        let forged = parts.join(".");
        let p = a.proof_at(&g, "POST", &htu(&g, PATH), &forged);
        let r = send_dpop(&g, "POST", PATH, (&forged, &p), BODY.as_bytes()).await;
        assert_eq!(r.status, want, "{m:?}: {}", r.text());
    }
}

#[test]
fn every_mutant_has_a_snake_case_name() {
    for m in Mutant::ALL {
        let n = m.name();
        assert!(
            !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{m:?} -> {n}"
        );
    }
}
