//! Wire-level checks: every answer byte-compared with the real gate's.

mod support;

use latchgate_mock::MockGate;
use serde_json::{json, Value};
use support::{
    b64d, claims_text, gate, get_client, htu, leased, post_lease, receipt_result_hash, redact,
    send, send_dpop, sign, Agent, Op, Target, FETCH_PATH, UNAUTHORIZED,
};

#[tokio::test]
async fn healthz_and_readyz_bodies_match_the_gate() {
    let g = gate().await;
    let h = get_client(&g, "/healthz").await;
    h.assert_is(200, r#"{"status":"ok"}"#, "GET /healthz");
    let r = get_client(&g, "/readyz").await;
    assert_eq!(
        r.text(),
        r#"{"status":"ready","redis":true,"opa":true,"ledger":true,"approval_store":true,"egress_proxy":null,"actions_registered":4}"#
    );
}

#[tokio::test]
async fn unknown_path_is_404_with_empty_body_and_wrong_method_is_405() {
    let g = gate().await;
    let r = get_client(&g, "/v1/nope").await;
    assert_eq!((r.status, r.body.len()), (404, 0));
    let r = get_client(&g, "/v1/leases").await;
    assert_eq!((r.status, r.body.len()), (405, 0));
}

#[tokio::test]
async fn jwks_has_one_es256_key_in_gate_field_order() {
    let g = gate().await;
    let r = get_client(&g, "/.well-known/jwks.json").await;
    insta::assert_snapshot!(redact(&r.text()), @r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"<kid>","use":"sig","alg":"ES256","x":"<x>","y":"<y>"}]}"#);
}

#[tokio::test]
async fn lease_response_fields_and_jwt_claims_are_in_gate_order() {
    let g = gate().await;
    let a = Agent::new();
    let l = a
        .lease_with(
            &g,
            json!({"budgets": {"max_calls": 3, "max_cost_usd_cents": 5}}),
        )
        .await;
    let raw = serde_json::to_string(&l.body).unwrap();
    assert!(l.body["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        l.body["expires_at"].as_str().unwrap().len(),
        20,
        "whole seconds: {raw}"
    );
    let header = String::from_utf8(b64d(l.token.split('.').next().unwrap())).unwrap();
    assert!(
        header.starts_with(r#"{"typ":"JWT","alg":"ES256","kid":""#),
        "{header}"
    );
    let claims = claims_text(&l.token);
    let keys: Vec<String> = serde_json::from_str::<serde_json::Map<String, Value>>(&claims)
        .map(|_| {
            claims
                .split("\":")
                .filter_map(|s| s.rsplit(['{', ',']).next())
                .map(|s| s.trim_matches('"').to_string())
                .collect()
        })
        .unwrap();
    let order: Vec<&str> = [
        "iss",
        "sub",
        "aud",
        "exp",
        "nbf",
        "iat",
        "jti",
        "session_id",
        "scope",
        "budgets",
        "cnf",
    ]
    .to_vec();
    let found: Vec<&str> = order
        .iter()
        .copied()
        .filter(|k| keys.iter().any(|x| x == k))
        .collect();
    assert_eq!(found, order, "claims: {claims}");
    let c: Value = serde_json::from_str(&claims).unwrap();
    assert_eq!(
        c["budgets"],
        json!({"max_calls": 3}),
        "max_cost_usd_cents is dropped"
    );
    assert_eq!(c["sub"], "dev:anonymous");
    assert_eq!(c["aud"], "latchgate");
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 300);
}

#[tokio::test]
async fn lease_with_unknown_member_is_rejected_by_the_extractor_as_text() {
    let g = gate().await;
    let a = Agent::new();
    let body = json!({"scopes": ["tools:call"], "dpop_jwk": a.jwk(), "agent_id": "x"});
    let r = post_lease(&Target::client(&g), &body).await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert!(
        r.text().starts_with("Failed to deserialize the JSON body into the target type: agent_id: unknown field `agent_id`, expected one of `scopes`, `dpop_jwk`, `budgets`, `fs_root`"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn lease_without_json_content_type_is_415_text() {
    let g = gate().await;
    let r = send(&Target::client(&g), "POST", "/v1/leases", &[], b"{}").await;
    r.assert_is(
        415,
        "Expected request with `Content-Type: application/json`",
        "a lease request without a content type",
    );
}

#[tokio::test]
async fn lease_issuer_checks_give_invalid_request_with_the_gate_messages() {
    let g = gate().await;
    let a = Agent::new();
    let cases = [
        (json!({"scopes": ["tools:call"], "dpop_jwk": {"kty": "RSA", "crv": "P-256", "x": "a", "y": "b"}}),
         r#"{"error":"invalid_request","message":"dpop_jwk.kty must be 'EC', got 'RSA'"}"#.to_string()),
        (json!({"scopes": [], "dpop_jwk": a.jwk()}), r#"{"error":"invalid_request","message":"scopes must not be empty"}"#.to_string()),
        (json!({"scopes": ["Bad"], "dpop_jwk": a.jwk()}),
         r#"{"error":"invalid_request","message":"invalid scope 'Bad': must be a known built-in scope ([\"tools:call\", \"audit:read\"]) or a custom scope in 'namespace:name' format with [a-z0-9:_-] characters (4–64 chars)"}"#.to_string()),
    ];
    for (body, want) in cases {
        let r = post_lease(&Target::client(&g), &body).await;
        r.assert_is(400, &want, &format!("lease request {body}"));
    }
}

#[tokio::test]
async fn fs_root_outside_allowed_prefixes_is_denied() {
    let dir = tempfile::tempdir().unwrap();
    let g = MockGate::builder()
        .fs_root_allowed_prefixes(vec!["/nonexistent-prefix".into()])
        .start()
        .await
        .unwrap();
    let a = Agent::new();
    let body = json!({"scopes": ["tools:call"], "dpop_jwk": a.jwk(), "fs_root": dir.path()});
    let r = post_lease(&Target::client(&g), &body).await;
    let canonical = dir.path().canonicalize().unwrap();
    assert_eq!(r.status, 403);
    assert_eq!(
        r.text(),
        format!(
            r#"{{"error":"fs_root_denied","message":"outside allowed prefixes: {}"}}"#,
            canonical.display()
        )
    );
}

#[tokio::test]
async fn action_list_detail_and_schema_match_the_quickstart() {
    let g = gate().await;
    let t = Target::client(&g);
    let list = send(&t, "GET", "/v1/actions", &[], b"").await;
    insta::assert_snapshot!(list.text(), @r#"{"actions":[{"action_id":"fs_read","version":"1.0.0","risk_level":"low"},{"action_id":"fs_write","version":"1.0.0","risk_level":"high"},{"action_id":"http_fetch","version":"1.0.0","risk_level":"low"},{"action_id":"http_post","version":"1.0.0","risk_level":"medium"}]}"#);
    let d = send(&t, "GET", "/v1/actions/http_fetch", &[], b"").await;
    insta::assert_snapshot!(d.text(), @r#"{"action_id":"http_fetch","version":"1.0.0","provider_module_digest":"builtin:http_api","risk_level":"low","resource_limits":{"fuel":5000000,"memory_mb":128,"timeout_seconds":30,"max_io_calls":10,"max_host_response_bytes":10485760},"io":{"max_request_bytes":65536,"max_response_bytes":1048576,"has_request_schema":true,"has_response_schema":false},"egress":{"proxy_allowlist":{"allowed_domains":["httpbin.org","api.github.com","*.wikipedia.org","hacker-news.firebaseio.com"]}},"declared_side_effects":["http_read"]}"#);
    let f = send(&t, "GET", "/v1/actions/fs_read", &[], b"").await;
    assert_eq!(f.json()["egress"], json!("none"));
    let s = send(&t, "GET", "/v1/actions/fs_read/schema/request", &[], b"").await;
    insta::assert_snapshot!(s.text(), @r#"{"additionalProperties":false,"properties":{"operation":{"enum":["read"],"type":"string"},"path":{"maxLength":4096,"minLength":1,"type":"string"}},"required":["operation","path"],"type":"object"}"#);
    let missing = send(&t, "GET", "/v1/actions/nope", &[], b"").await;
    assert_eq!((missing.status, missing.body.len()), (404, 0));
}

#[tokio::test]
async fn execute_success_body_and_receipt_verify() {
    let (g, a, l) = leased().await;
    let r = a.fetch_ok(&g, &l).await;
    assert_eq!(r.status, 200, "{}", r.text());
    insta::assert_snapshot!(redact(&r.text()), @r#"{"decision":"executed","trace_id":"<trace_id>","action_id":"http_fetch","grant_id":"<grant_id>","receipt_id":"<receipt_id>","output":{"data":{"body":"","headers":{},"status_code":200,"url":"https://httpbin.org/get"},"ok":true},"verification_outcome":"verified","verification":{"outcome":"verified","is_fully_successful":true},"runtime":{"duration_ms":0,"exit_code":0,"fuel_consumed":0}}"#);
    let rc = a.receipt_of(&g, &l, &r).await;
    assert_eq!(rc.status, 200);
    insta::assert_snapshot!(redact(&rc.text()), @r#"{"effect_evidence":[],"failure_class":null,"finished_at":"<finished_at>","grant_id":"<grant_id>","normalized_result":{"kind":"success","summary":"provider completed successfully"},"provider_module_digest":"builtin:http_api","provider_receipt":{"data":{"body":"","headers":{},"status_code":200,"url":"https://httpbin.org/get"},"ok":true},"receipt_id":"<receipt_id>","receipt_signature":"<receipt_signature>","result_hash":"<result_hash>","signature_status":"valid","signing_key_id":"<signing_key_id>","started_at":"<started_at>","verification_outcome":{"evidence":{"host_corroborated":true,"http_status":200},"status":"verified"}}"#);
    // independent recomputation of result_hash and the Ed25519 signature over its hex ASCII
    let rv = rc.json();
    let hash = receipt_result_hash(&rv);
    assert_eq!(rv["result_hash"], json!(hash));
    let keys = Op::of(&g).get(&g, "/v1/receipt-keys").await;
    let k = &keys.json()["keys"][0];
    assert_eq!(k["kid"], rv["signing_key_id"]);
    let pk = ed25519_dalek::VerifyingKey::from_bytes(
        &hex::decode(k["x_hex"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap(),
    )
    .unwrap();
    let sig = ed25519_dalek::Signature::from_bytes(
        &hex::decode(rv["receipt_signature"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap(),
    );
    pk.verify_strict(hash.as_bytes(), &sig)
        .expect("signature over the hex ASCII");
    assert!(
        k["added_at"].as_str().unwrap().len() == 24
            && k["added_at"].as_str().unwrap().ends_with('Z')
    );
    insta::assert_snapshot!(redact(&keys.text()), @r#"{"keys":[{"added_at":"<added_at>","alg":"EdDSA","crv":"Ed25519","kid":"<kid>","kty":"OKP","use":"sig","x_hex":"<x_hex>"}]}"#);
}

#[tokio::test]
async fn http_post_is_denied_by_the_wildcard_acl() {
    let (g, a, l) = leased().await;
    let post = json!({"url": "https://httpbin.org/post", "body": "{}"});
    let r = a.execute(&g, &l, "http_post", &post).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.text(),
        r#"{"error":"policy_denied","deny_reason":"principal 'dev:anonymous' is not authorised for action 'http_post'","principal":"dev:anonymous","action_id":"http_post","remediation":"Run: latchgate policy grant dev:anonymous http_post"}"#
    );
}

#[tokio::test]
async fn policy_deny_reason_is_sanitized_in_the_body_and_the_ledger() {
    let g = MockGate::builder()
        .principal("dev:\u{7}odd")
        .start()
        .await
        .unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    let body = json!({"url": "https://httpbin.org/post", "body": "{}"});
    let r = a.execute(&g, &l, "http_post", &body).await;
    assert_eq!(r.status, 403, "{}", r.text());
    let want = "principal 'dev: odd' is not authorised for action 'http_post'";
    assert_eq!(
        r.json()["deny_reason"],
        json!(want),
        "control byte in the 403 reason"
    );
    let evs = support::audit_events(&g, "?decision=deny").await;
    assert_eq!(
        evs[0]["deny_reason"],
        json!(format!("policy denied: {want}")),
        "the ledger carries the same sanitized reason"
    );
}

#[tokio::test]
async fn schema_violations_and_bad_json_are_422_without_reason() {
    let (g, a, l) = leased().await;
    let violation = r#"{"error":"schema_violation"}"#;
    for body in [
        json!({"url": 5}),
        json!({"url": "https://httpbin.org", "x": 1}),
    ] {
        let r = a.execute(&g, &l, "http_fetch", &body).await;
        r.assert_is(422, violation, &format!("http_fetch of {body}"));
    }
    let proof = a.proof("POST", &htu(&g, FETCH_PATH), &l.token);
    let r = send_dpop(&g, "POST", FETCH_PATH, (&l.token, &proof), b"not json").await;
    r.assert_is(422, violation, "a body that is not JSON");
}

#[tokio::test]
async fn unknown_action_is_404_action_not_found_after_auth() {
    let (g, a, l) = leased().await;
    let r = a.execute(&g, &l, "nope", &json!({})).await;
    r.assert_is(404, r#"{"error":"action_not_found"}"#, "an unknown action");
    let nope = "/v1/actions/nope/execute";
    let r = send(&Target::client(&g), "POST", nope, &[], b"").await;
    let why = "auth comes before lookup";
    assert_eq!(r.text(), r#"{"error":"missing_auth_header"}"#, "{why}");
}

#[tokio::test]
async fn admin_routes_collapse_auth_failures_to_unauthorized() {
    let g = gate().await;
    let t = Target::admin(&g);
    for (m, p) in [
        ("GET", "/v1/admin/status"),
        ("POST", "/v1/admin/drain"),
        ("GET", "/v1/receipt-keys"),
        ("GET", "/metrics"),
        ("GET", "/v1/approvals"),
    ] {
        let r = send(&t, m, p, &[("authorization", "DPoP wrong")], b"").await;
        r.assert_is(401, UNAUTHORIZED, &format!("{m} {p}"));
    }
    let r = send(&t, "GET", "/v1/approvals/x", &[], b"").await;
    assert_eq!((r.status, r.body.len()), (401, 0));
}

#[tokio::test]
async fn operator_routes_are_absent_from_the_client_listener() {
    let g = gate().await;
    for p in [
        "/v1/approvals",
        "/v1/admin/status",
        "/v1/receipt-keys",
        "/_mock/journal",
    ] {
        assert_eq!(get_client(&g, p).await.status, 404, "{p}");
    }
}

#[tokio::test]
async fn admin_status_reports_quickstart_counts() {
    let g = gate().await;
    let r = Op::of(&g).get(&g, "/v1/admin/status").await;
    let mut v = r.json();
    v["uptime_seconds"] = json!(0);
    assert_eq!(
        v,
        json!({"actions_registered":4,"dependencies":{"opa":true,"redis":true},"draining":false,"in_flight_executions":0,"pending_approvals":0,"revocation_epoch":0,"status":"ok","uptime_seconds":0,"version":"0.2.0","webhooks":{"active":false,"pending_deliveries":0}})
    );
    assert!(
        r.text().starts_with(r#"{"actions_registered":4,"#),
        "sorted keys: {}",
        r.text()
    );
}

#[tokio::test]
async fn metrics_are_openmetrics_text() {
    let g = gate().await;
    let r = Op::of(&g).get(&g, "/metrics").await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    assert!(r.text().ends_with("# EOF\n"));
}

#[tokio::test]
async fn a_proof_signed_by_another_key_is_key_binding_failure_text() {
    let (g, _holder, l) = leased().await;
    let other = Agent::new();
    let claims = Agent::claims("POST", &htu(&g, FETCH_PATH), &l.token);
    let proof = sign(&other.key, &other.header(), &claims);
    let r = send_dpop(&g, "POST", FETCH_PATH, (&l.token, &proof), b"{}").await;
    assert_eq!(
        r.text(),
        r#"{"error":"invalid_dpop","deny_reason":"DPoP key thumbprint does not match lease cnf.jkt (key binding failure)"}"#
    );
}
