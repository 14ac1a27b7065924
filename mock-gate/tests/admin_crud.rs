//! `/v1/admin/domains` and `/v1/admin/paths`: bodies byte-compared with the real gate's
//! (sorted keys), validation errors, provenance of approval-taught rows, and the effect of
//! the entries on the approval hold.

mod support;

use latchgate_mock::MockGate;
use serde_json::{json, Value};
use support::{
    assert_execute_status, assert_rate_limit_exceeded, burst, first_429, gate, one_token_gate,
    redact, send, unlimited_gate, Agent, Op, Resp, Target, FETCH_UNKNOWN, UNAUTHORIZED,
};

const JSON: (&str, &str) = ("content-type", "application/json");

/// Asserts an `http_fetch` of a domain in no allowlist is answered `status`.
async fn assert_fetch_unknown(g: &MockGate, status: u16, why: &str) {
    let fetch = json!({"url": FETCH_UNKNOWN});
    assert_execute_status(g, "http_fetch", &fetch, status, why).await;
}

fn domain(d: &str) -> Value {
    json!({"action_id": "http_fetch", "domain": d})
}

/// `method /v1/admin/domains` of the `http_fetch` domain `d` as the operator.
async fn domains(g: &MockGate, method: &str, d: &str) -> Resp {
    Op::of(g)
        .json(g, method, "/v1/admin/domains", domain(d))
        .await
}

/// `POST /v1/admin/paths` of an `fs_read` glob as the operator.
async fn add_path(g: &MockGate, glob: &str) -> Resp {
    let body = json!({"action_id": "fs_read", "path_glob": glob});
    Op::of(g).json(g, "POST", "/v1/admin/paths", body).await
}

#[tokio::test]
async fn add_domain_answers_inserted_then_not_inserted() {
    let g = gate().await;
    let r = domains(&g, "POST", "example.org").await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    insta::assert_snapshot!(r.text(), @r#"{"action_id":"http_fetch","domain":"example.org","inserted":true}"#);
    let again = domains(&g, "POST", "example.org").await;
    insta::assert_snapshot!(again.text(), @r#"{"action_id":"http_fetch","domain":"example.org","inserted":false}"#);
}

#[tokio::test]
async fn list_domains_shows_api_rows_with_sorted_keys() {
    let g = gate().await;
    domains(&g, "POST", "example.org").await;
    let r = Op::of(&g)
        .get(&g, "/v1/admin/domains?action=http_fetch")
        .await;
    insta::assert_snapshot!(redact(&r.text()), @r#"{"domains":[{"action_id":"http_fetch","added_at":"<added_at>","added_by":"default","approval_id":null,"domain":"example.org","source":"api"}]}"#);
    let other = Op::of(&g).get(&g, "/v1/admin/domains?action=fs_read").await;
    assert_eq!(other.text(), r#"{"domains":[]}"#, "filter by action");
}

#[tokio::test]
async fn added_domain_removes_the_hold_and_delete_brings_it_back() {
    let g = gate().await;
    assert_fetch_unknown(&g, 202, "unknown domain is held").await;
    domains(&g, "POST", "example.org").await;
    assert_fetch_unknown(&g, 200, "added domain runs").await;
    let r = domains(&g, "DELETE", "example.org").await;
    insta::assert_snapshot!(r.text(), @r#"{"action_id":"http_fetch","deleted":true,"domain":"example.org"}"#);
    assert_fetch_unknown(&g, 202, "deleted domain is held again").await;
}

#[tokio::test]
async fn domain_is_stored_normalized_but_deleted_only_by_its_stored_form() {
    let g = gate().await;
    let r = domains(&g, "POST", "Example.ORG.").await;
    assert_eq!(
        r.json()["domain"],
        json!("Example.ORG."),
        "the answer echoes the input"
    );
    assert_eq!(
        Op::of(&g).get(&g, "/v1/admin/domains").await.json()["domains"][0]["domain"],
        json!("example.org")
    );
    let miss = domains(&g, "DELETE", "Example.ORG.").await;
    assert_eq!(
        miss.json()["deleted"],
        json!(false),
        "delete is not normalized"
    );
}

#[tokio::test]
async fn clear_domains_counts_the_action_rows_only() {
    let g = gate().await;
    for d in ["example.org", "example.net"] {
        domains(&g, "POST", d).await;
    }
    Op::of(&g)
        .json(
            &g,
            "POST",
            "/v1/admin/domains",
            json!({"action_id": "http_post", "domain": "example.com"}),
        )
        .await;
    let r = Op::of(&g)
        .call(
            &g,
            "DELETE",
            "/v1/admin/domains/clear?action=http_fetch",
            b"",
            &[],
        )
        .await;
    insta::assert_snapshot!(r.text(), @r#"{"action_id":"http_fetch","deleted_count":2}"#);
    assert_fetch_unknown(&g, 202, "cleared domain is held again").await;
    let rest = Op::of(&g).get(&g, "/v1/admin/domains").await.json();
    assert_eq!(rest["domains"].as_array().map(Vec::len), Some(1), "{rest}");
}

#[tokio::test]
async fn approve_taught_domain_is_listed_with_approval_provenance() {
    let g = gate().await;
    let a = Agent::new();
    let l = a.lease(&g).await;
    let id = a.pending(&g, &l).await;
    let ok = Op::of(&g).approve(&g, &id).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    let row = Op::of(&g).get(&g, "/v1/admin/domains").await.json()["domains"][0].clone();
    assert_eq!(
        (
            &row["source"],
            &row["added_by"],
            &row["approval_id"],
            &row["domain"]
        ),
        (
            &json!("approval"),
            &json!("default"),
            &json!(id),
            &json!("example.org")
        )
    );
}

#[tokio::test]
async fn invalid_domain_is_400_with_the_validator_detail() {
    let g = gate().await;
    let r = domains(&g, "POST", "localhost").await;
    r.assert_is(
        400,
        r#"{"error":"invalid_domain","detail":"'localhost' is not permitted as a learned domain"}"#,
        "POST of localhost",
    );
    let wide = domains(&g, "DELETE", "*.co.uk").await;
    assert_eq!(
        wide.text(),
        r#"{"error":"invalid_domain","detail":"wildcard '*.co.uk' has a broad suffix (fewer than 3 labels) — use --force on the CLI to accept this risk"}"#,
        "delete validates too"
    );
}

#[tokio::test]
async fn invalid_action_id_is_400_before_the_value_check() {
    let g = gate().await;
    let bad = json!({"action_id": "http fetch", "domain": "localhost"});
    let r = Op::of(&g).json(&g, "POST", "/v1/admin/domains", bad).await;
    r.assert_is(
        400,
        r#"{"error":"invalid_action_id","detail":"action_id must contain only [a-zA-Z0-9_-]"}"#,
        "POST of action id \"http fetch\"",
    );
    let empty = Op::of(&g).get(&g, "/v1/admin/paths?action=").await;
    assert_eq!(
        empty.text(),
        r#"{"error":"invalid_action_id","detail":"action_id must be 1-253 characters"}"#
    );
}

#[tokio::test]
async fn add_path_answers_with_sorted_keys_and_lets_the_held_read_through() {
    let root = support::fs_root_with(&[("other/b.txt", "b")]);
    let g = support::fs_gate(root.path()).await;
    let a = Agent::new();
    let l = a.lease(&g).await;
    let read = support::fs_read("other/b.txt");
    assert_eq!(a.execute(&g, &l, "fs_read", &read).await.status, 202);
    let body = json!({"action_id": "fs_read", "path_glob": "other/**"});
    let r = Op::of(&g)
        .json(&g, "POST", "/v1/admin/paths", body.clone())
        .await;
    insta::assert_snapshot!(r.text(), @r#"{"action_id":"fs_read","inserted":true,"path_glob":"other/**"}"#);
    assert_eq!(a.execute(&g, &l, "fs_read", &read).await.status, 200);
    let list = Op::of(&g).get(&g, "/v1/admin/paths").await;
    insta::assert_snapshot!(redact(&list.text()), @r#"{"paths":[{"action_id":"fs_read","added_at":"<added_at>","added_by":"default","approval_id":null,"path_glob":"other/**","source":"api"}]}"#);
    let d = Op::of(&g).json(&g, "DELETE", "/v1/admin/paths", body).await;
    insta::assert_snapshot!(d.text(), @r#"{"action_id":"fs_read","deleted":true,"path_glob":"other/**"}"#);
    assert_eq!(a.execute(&g, &l, "fs_read", &read).await.status, 202);
}

#[tokio::test]
async fn invalid_path_globs_are_400_with_the_gate_details() {
    let g = gate().await;
    for (glob, detail) in [
        ("", "path_glob must be 1-1024 characters"),
        ("/etc/**", "path glob must be relative (no leading '/')"),
        (
            "src/../..",
            "parent traversal ('..') is not allowed in learned paths",
        ),
        (
            "**",
            "catch-all pattern '**' is too broad — use a scoped pattern like 'src/**' instead",
        ),
    ] {
        let r = add_path(&g, glob).await;
        let want = format!(r#"{{"error":"invalid_path_glob","detail":"{detail}"}}"#);
        r.assert_is(400, &want, &format!("glob {glob:?}"));
    }
}

#[tokio::test]
async fn fifty_first_path_of_an_action_is_a_ledger_error() {
    let g = unlimited_gate().await;
    for i in 0..50 {
        let r = add_path(&g, &format!("d{i}/**")).await;
        assert_eq!(r.status, 200, "path {i}: {}", r.text());
    }
    let r = add_path(&g, "d0/**").await;
    r.assert_is(500, r#"{"error":"ledger_error"}"#, "the fifty-first path");
}

#[tokio::test]
async fn body_and_query_rejections_are_axum_text_before_auth() {
    let g = gate().await;
    let t = Target::admin(&g);
    let r = send(
        &t,
        "POST",
        "/v1/admin/domains",
        &[JSON],
        br#"{"action_id":"x"}"#,
    )
    .await;
    r.assert_is(422, "Failed to deserialize the JSON body into the target type: missing field `value` at line 1 column 17", "a domain without a value");
    let r = send(&t, "DELETE", "/v1/admin/paths", &[], b"{}").await;
    let want = "Expected request with `Content-Type: application/json`";
    r.assert_is(415, want, "a body without a content type");
    let r = send(&t, "DELETE", "/v1/admin/domains/clear", &[], b"").await;
    let want = "Failed to deserialize query string: missing field `action`";
    r.assert_is(400, want, "clear without an action");
}

#[tokio::test]
async fn crud_routes_collapse_auth_failures_to_unauthorized() {
    let g = gate().await;
    let t = Target::admin(&g);
    let body = domain("example.org").to_string();
    for (m, p) in [
        ("GET", "/v1/admin/domains"),
        ("POST", "/v1/admin/domains"),
        ("DELETE", "/v1/admin/paths"),
        ("DELETE", "/v1/admin/paths/clear?action=fs_read"),
    ] {
        let r = send(
            &t,
            m,
            p,
            &[("authorization", "DPoP wrong"), JSON],
            body.as_bytes(),
        )
        .await;
        r.assert_is(401, UNAUTHORIZED, &format!("{m} {p}"));
    }
}

#[tokio::test]
async fn reset_forgets_learned_rows() {
    let g = gate().await;
    domains(&g, "POST", "example.org").await;
    g.reset();
    assert_eq!(
        Op::of(&g).get(&g, "/v1/admin/domains").await.text(),
        r#"{"domains":[]}"#
    );
}

#[tokio::test]
async fn crud_mutations_take_the_write_bucket_even_in_dev_mode() {
    let g = one_token_gate(true).await;
    let body = json!({"action_id": "http_fetch", "domain": "d.example.org"});
    let rs = burst(&g, "POST", "/v1/admin/domains", Some(&body)).await;
    assert_rate_limit_exceeded(&rs, "a burst of domain adds (the write limiter)");
}

#[tokio::test]
async fn crud_reads_take_the_read_bucket_after_auth() {
    let g = one_token_gate(true).await;
    let rs = burst(&g, "GET", "/v1/admin/paths", None).await;
    first_429(&rs, "a burst of path reads");
    let t = Target::admin(&g);
    let unauth = send(&t, "GET", "/v1/admin/paths", &[], b"").await;
    assert_eq!(
        unauth.status, 401,
        "auth is checked before the empty bucket"
    );
}
