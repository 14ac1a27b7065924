//! DPoP and lease checks: every reject reason, in the gate's order, on each error surface.

mod support;

use std::time::Duration;

use latchgate_mock::MockGate;
use serde_json::{json, Value};
use support::{
    ath, b64, claims_of, leased as setup, leased_on, send, send_dpop, sign, Agent, Lease, Target,
    FETCH_PATH as PATH,
};

async fn exec_with(g: &MockGate, authz: Option<&str>, proof: Option<&str>) -> String {
    let mut h = vec![];
    if let Some(a) = authz {
        h.push(("authorization", a));
    }
    if let Some(p) = proof {
        h.push(("dpop", p));
    }
    let r = send(
        &Target::client(g),
        "POST",
        PATH,
        &h,
        br#"{"url":"https://httpbin.org/get"}"#,
    )
    .await;
    format!("{} {}", r.status, r.text())
}

fn htu(g: &MockGate) -> String {
    support::htu(g, PATH)
}

async fn proof_case(g: &MockGate, a: &Agent, l: &Lease, header: Value, claims: Value) -> String {
    let p = sign(&a.key, &header, &claims);
    exec_with(g, Some(&format!("DPoP {}", l.token)), Some(&p)).await
}

/// A builder with `lax` set when `on`.
fn lax_if(on: bool, lax: latchgate_mock::Lax) -> latchgate_mock::MockGateBuilder {
    let b = MockGate::builder();
    if on {
        b.lax(lax)
    } else {
        b
    }
}

fn deny(reason: &str) -> String {
    format!(r#"401 {{"error":"invalid_dpop","deny_reason":"{reason}"}}"#)
}

#[tokio::test]
async fn missing_authorization_or_dpop_header_is_missing_auth_header() {
    let (g, a, l) = setup().await;
    assert_eq!(
        exec_with(&g, None, None).await,
        r#"401 {"error":"missing_auth_header"}"#
    );
    let authz = format!("DPoP {}", l.token);
    assert_eq!(
        exec_with(&g, Some(&authz), None).await,
        r#"401 {"error":"missing_auth_header"}"#,
        "Authorization without a DPoP header"
    );
    let proof = a.proof("POST", &htu(&g), &l.token);
    assert_eq!(
        exec_with(&g, None, Some(&proof)).await,
        r#"401 {"error":"missing_auth_header"}"#,
        "a valid DPoP header without Authorization"
    );
}

#[tokio::test]
async fn bearer_lowercase_scheme_and_empty_token_are_invalid_lease() {
    let (g, a, l) = setup().await;
    let p = a.proof("POST", &htu(&g), &l.token);
    for authz in [
        format!("Bearer {}", l.token),
        format!("dpop {}", l.token),
        "DPoP ".to_string(),
    ] {
        assert_eq!(
            exec_with(&g, Some(&authz), Some(&p)).await,
            r#"401 {"error":"invalid_lease"}"#,
            "{authz}"
        );
    }
}

#[tokio::test]
async fn expired_lease_is_lease_expired_before_any_proof_check() {
    let (g, _a, l) = setup().await;
    g.clock().advance(Duration::from_secs(301));
    let authz = format!("DPoP {}", l.token);
    assert_eq!(
        exec_with(&g, Some(&authz), Some("garbage")).await,
        r#"401 {"error":"lease_expired"}"#
    );
}

#[tokio::test]
async fn lease_is_still_valid_at_its_exact_expiry_second() {
    let (g, a, l) = setup().await;
    let c = g.clock();
    c.freeze();
    let exp = claims_of(&l.token)["exp"].as_i64().unwrap();
    c.set(std::time::UNIX_EPOCH + Duration::from_secs(exp as u64));
    let mut claims = Agent::claims("POST", &htu(&g), &l.token);
    claims["iat"] = json!(exp);
    let r = proof_case(&g, &a, &l, a.header(), claims).await;
    assert!(r.starts_with("200 "), "{r}");
}

#[tokio::test]
async fn tampered_lease_is_invalid_lease() {
    let (g, a, l) = setup().await;
    let mut t = l.token.clone();
    t.push('x');
    let p = a.proof("POST", &htu(&g), &t);
    assert_eq!(
        exec_with(&g, Some(&format!("DPoP {t}")), Some(&p)).await,
        r#"401 {"error":"invalid_lease"}"#
    );
}

#[tokio::test]
async fn every_proof_reject_reason_matches_the_gate_text() {
    let (g, a, l) = setup().await;
    let c = || Agent::claims("POST", &htu(&g), &l.token);
    let h = || a.header();
    let cases: Vec<(Value, Value, String)> = vec![
        ({ let mut x = h(); x["typ"] = json!("JWT"); x }, c(), deny(r#"typ must be 'dpop+jwt', got Some(\"JWT\")"#)),
        ({ let mut x = h(); x.as_object_mut().unwrap().remove("typ"); x }, c(), deny("typ must be 'dpop+jwt', got None")),
        ({ let mut x = h(); x["alg"] = json!("none"); x }, c(), deny(r#"alg must be 'ES256', got Some(\"none\")"#)),
        ({ let mut x = h(); x.as_object_mut().unwrap().remove("jwk"); x }, c(), deny("'jwk' header claim is required in DPoP proofs")),
        ({ let mut x = h(); x["jwk"]["kty"] = json!("OKP"); x }, c(), deny(r#"jwk.kty must be 'EC', got Some(\"OKP\")"#)),
        ({ let mut x = h(); x["jwk"]["crv"] = json!("P-384"); x }, c(), deny(r#"jwk.crv must be 'P-256', got Some(\"P-384\")"#)),
        ({ let mut x = h(); x["jwk"]["x"] = json!(b64(&[1u8; 31])); x }, c(), deny("P-256 coordinates must be exactly 32 bytes each")),
        ({ let mut x = h(); x["jwk"]["x"] = json!("a+b/"); x }, c(), deny("invalid base64url in jwk.x")),
        ({ let mut x = h(); x["jwk"]["d"] = json!("secret"); x }, c(), deny("jwk must not contain private key members ('d')")),
        (h(), { let mut x = c(); x["htm"] = json!("post"); x }, deny("htm mismatch: expected 'POST', got 'post'")),
        (h(), { let mut x = c(); x["htu"] = json!("http://evil.example/v1/actions/http_fetch/execute"); x },
            deny(&format!("htu mismatch: expected '{}', got 'http://evil.example/v1/actions/http_fetch/execute'", htu(&g)))),
        (h(), { let mut x = c(); x["htu"] = json!("no-scheme"); x }, deny("proof htu normalisation failed: invalid URI: missing '://' in 'no-scheme'")),
        (h(), { let mut x = c(); x["ath"] = json!(ath("other")); x }, deny("ath does not match SHA-256 of the presented access token")),
        (h(), { let mut x = c(); x["iat"] = json!(1.5); x }, "".into()),
        (h(), { let mut x = c(); x.as_object_mut().unwrap().remove("ath"); x }, "".into()),
    ];
    for (header, claims, want) in cases {
        let got = proof_case(&g, &a, &l, header.clone(), claims.clone()).await;
        if want.is_empty() {
            assert!(got.starts_with(r#"401 {"error":"invalid_dpop","deny_reason":"payload claims invalid or missing required fields: "#), "{got}");
        } else {
            assert_eq!(got, want, "header {header} claims {claims}");
        }
    }
}

#[tokio::test]
async fn iat_window_accepts_minus_60_and_plus_5_and_rejects_beyond() {
    let (g, a, l) = setup().await;
    g.clock().freeze();
    let now = g.clock().now_unix();
    for (off, ok) in [(-60, true), (5, true), (-61, false), (6, false)] {
        let mut c = Agent::claims("POST", &htu(&g), &l.token);
        c["iat"] = json!(now + off);
        let r = proof_case(&g, &a, &l, a.header(), c).await;
        if ok {
            assert!(r.starts_with("200 "), "iat {off}: {r}");
        } else if off < 0 {
            assert_eq!(
                r,
                deny(&format!(
                    "iat too old: {} (now={now}, max_age=60s)",
                    now + off
                ))
            );
        } else {
            assert_eq!(
                r,
                deny(&format!(
                    "iat too far in future: {} (now={now}, allowed_skew=5s)",
                    now + off
                ))
            );
        }
    }
}

#[tokio::test]
async fn segment_signature_and_encoding_failures() {
    let (g, a, l) = setup().await;
    let authz = format!("DPoP {}", l.token);
    assert_eq!(
        exec_with(&g, Some(&authz), Some("a.b")).await,
        deny("malformed JWT: expected exactly 3 dot-separated segments")
    );
    let good = a.proof("POST", &htu(&g), &l.token);
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let tampered = format!("{}.{}x.{}", parts[0], parts[1], parts[2]);
    let r = exec_with(&g, Some(&authz), Some(&tampered)).await;
    assert!(
        r == deny("signature verification failed")
            || r == deny("invalid base64url encoding in JWT payload"),
        "{r}"
    );
    parts[2] = b64(&[0u8; 63]);
    assert_eq!(
        exec_with(&g, Some(&authz), Some(&parts.join("."))).await,
        deny("signature is not a valid ES256 (P-256) signature (expected 64 bytes)")
    );
    assert_eq!(
        exec_with(&g, Some(&authz), Some("!!.e30.AA")).await,
        deny("invalid base64url encoding in JWT header")
    );
}

#[tokio::test]
async fn replay_is_detected_last_and_an_old_replay_is_invalid_dpop() {
    let (g, a, l) = setup().await;
    g.clock().freeze();
    let p = a.proof("POST", &htu(&g), &l.token);
    let authz = format!("DPoP {}", l.token);
    assert!(exec_with(&g, Some(&authz), Some(&p))
        .await
        .starts_with("200 "));
    assert_eq!(
        exec_with(&g, Some(&authz), Some(&p)).await,
        r#"401 {"error":"replay_detected"}"#
    );
    g.clock().advance(Duration::from_secs(61));
    assert!(exec_with(&g, Some(&authz), Some(&p))
        .await
        .contains("iat too old"));
}

#[tokio::test]
async fn replay_cache_is_shared_between_endpoints() {
    let (g, a, l) = setup().await;
    let mut c = Agent::claims("POST", &htu(&g), &l.token);
    c["jti"] = json!("shared-jti");
    assert!(proof_case(&g, &a, &l, a.header(), c.clone())
        .await
        .starts_with("200"));
    let poll = "/v1/approvals/none/poll";
    let mut pc = Agent::claims("GET", &format!("{}{poll}", g.public_base_url()), &l.token);
    pc["jti"] = json!("shared-jti");
    let p = sign(&a.key, &a.header(), &pc);
    let r = send_dpop(&g, "GET", poll, (&l.token, &p), b"").await;
    assert_eq!(
        (r.status, r.body.len()),
        (401, 0),
        "poll errors are empty bodies"
    );
}

#[tokio::test]
async fn full_replay_cache_fails_closed_with_503() {
    let (g, a, l) = leased_on(MockGate::builder().replay_capacity(1)).await;
    assert!(a.fetch_ok(&g, &l).await.status == 200);
    let r = a.fetch_ok(&g, &l).await;
    r.assert_is(
        503,
        r#"{"error":"replay_cache_unavailable"}"#,
        "a proof the full cache cannot hold",
    );
}

#[tokio::test]
async fn multiple_dpop_headers_are_rejected_unless_lax() {
    for lax in [false, true] {
        let (g, a, l) = leased_on(lax_if(lax, latchgate_mock::Lax::MultipleDpopHeaders)).await;
        let p1 = a.proof("POST", &htu(&g), &l.token);
        let p2 = a.proof("POST", &htu(&g), &l.token);
        let authz = format!("DPoP {}", l.token);
        let r = send(
            &Target::client(&g),
            "POST",
            PATH,
            &[("authorization", &authz), ("dpop", &p1), ("dpop", &p2)],
            br#"{"url":"https://httpbin.org/get"}"#,
        )
        .await;
        if lax {
            assert_eq!(r.status, 200, "{}", r.text());
        } else {
            assert_eq!(
                r.text(),
                r#"{"error":"invalid_dpop","deny_reason":"multiple DPoP headers in request"}"#
            );
        }
    }
}

#[tokio::test]
async fn lax_key_cache_skips_header_checks_after_the_first_valid_proof() {
    for lax in [false, true] {
        let (g, a, l) = leased_on(lax_if(lax, latchgate_mock::Lax::DpopKeyCache)).await;
        assert_eq!(a.fetch_ok(&g, &l).await.status, 200);
        let mut h = a.header();
        h["typ"] = json!("JWT");
        let r = proof_case(&g, &a, &l, h, Agent::claims("POST", &htu(&g), &l.token)).await;
        if lax {
            assert!(r.starts_with("200 "), "cache hit skips typ: {r}");
        } else {
            assert!(r.contains("typ must be"), "{r}");
        }
    }
}

#[tokio::test]
async fn client_receipts_omit_deny_reason_for_invalid_dpop() {
    let (g, a, l) = setup().await;
    let path = "/v1/receipts/abc";
    let mut c = Agent::claims("GET", &format!("{}{path}", g.public_base_url()), &l.token);
    c["htm"] = json!("POST");
    let p = sign(&a.key, &a.header(), &c);
    let r = send_dpop(&g, "GET", path, (&l.token, &p), b"").await;
    r.assert_is(
        401,
        r#"{"error":"invalid_dpop"}"#,
        "a proof with the wrong htm",
    );
    let ok = a.get(&g, &l, path).await;
    ok.assert_is(404, r#"{"error":"not_found"}"#, "a valid proof");
}

#[tokio::test]
async fn htu_uses_the_public_base_not_the_host_header() {
    let (g, a, l) =
        leased_on(MockGate::builder().public_base_url("https://gate.example:443/")).await;
    let c = Agent::claims(
        "POST",
        "HTTPS://GATE.example/v1/actions/http_fetch/execute?x=1#f",
        &l.token,
    );
    let r = proof_case(&g, &a, &l, a.header(), c).await;
    assert!(r.starts_with("200 "), "normalized htu accepted: {r}");
}
