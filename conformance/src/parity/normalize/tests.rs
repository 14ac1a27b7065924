use super::*;

fn rule(name: &str) -> &'static Rule {
    RULES.iter().find(|r| r.name == name).expect("rule exists")
}

fn apply(name: &str, s: &str) -> String {
    (rule(name).apply)(s).unwrap_or_else(|| s.to_string())
}

/// `json` through the default normalizer, written compactly.
fn normalized(json: &[u8]) -> String {
    let node = Node::parse(json).expect("JSON literal parses");
    Normalizer::default().node(&node).compact()
}

#[test]
fn jwt_rule_replaces_three_and_two_segment_tokens() {
    assert_eq!(apply("jwt", "DPoP eyJhbGc.eyJzdWIi.c2ln"), "DPoP <jwt>");
    assert_eq!(apply("jwt", "eyJhbGc.eyJzdWIi"), "<jwt 2 segments>");
}

#[test]
fn rfc3339_rule_keeps_the_fraction_digit_count_and_offset() {
    assert_eq!(
        apply("rfc3339", "at 2026-11-27T06:50:06.220764950+00:00"),
        "at <rfc3339 9 digits +00:00>"
    );
    assert_eq!(
        apply("rfc3339", "2026-11-27T06:50:06.220Z"),
        "<rfc3339 3 digits Z>"
    );
    assert_ne!(
        apply("rfc3339", "2026-11-27T06:50:06.220764950+00:00"),
        apply("rfc3339", "2026-11-27T06:50:06.220+00:00"),
        "9 and 3 fractional digits must stay different"
    );
}

#[test]
fn rfc3339_rule_counts_six_fraction_digits_as_nine() {
    assert_eq!(
        apply("rfc3339", "2026-11-27T06:50:06.220764000+00:00"),
        apply("rfc3339", "2026-11-27T06:50:06.220764+00:00"),
        "a 9-digit fraction ending in 000 and its 6-digit AutoSi form are the same instant"
    );
    assert_ne!(
        apply("rfc3339", "2026-11-27T06:50:06.220764950+00:00"),
        apply("rfc3339", "2026-11-27T06:50:06.220+00:00"),
        "9 digits against 3 still shows"
    );
}

#[test]
fn uuid_rule_keeps_the_version_digit() {
    assert_eq!(
        apply(
            "uuid",
            "/v1/approvals/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/poll"
        ),
        "/v1/approvals/<uuid v7>/poll"
    );
    assert_eq!(
        apply("uuid", "9b2d0f5e-1c3a-4b6d-9e8f-0a1b2c3d4e5f"),
        "<uuid v4>"
    );
}

#[test]
fn sha256_digest_rule_hides_the_hex_only() {
    let hex = "ab".repeat(32);
    assert_eq!(
        apply("sha256-digest", &format!("sha256:{hex}")),
        "<sha256:hex>"
    );
}

#[test]
fn hex_run_rule_keeps_the_length() {
    assert_eq!(
        apply("hex-run", "notes/lgc-0123456789abcdef0123456789abcdef.txt"),
        "notes/lgc-<hex 32>.txt"
    );
    assert_eq!(apply("hex-run", "deadbeef"), "deadbeef", "short hex stays");
}

#[test]
fn b64url_blob_rule_replaces_mixed_runs_and_keeps_plain_words() {
    let sig = "Ab3_".repeat(21) + "xY";
    assert_eq!(apply("b64url-blob", &sig), "<b64u 86>");
    assert_eq!(
        apply("b64url-blob", "xvRscrPuceOexPlMsgAoyInXTtLSlmUmbaJUCfnraZQ"),
        "<b64u 43>",
        "a coordinate without digits is still a blob"
    );
    let word = "a".repeat(50);
    assert_eq!(
        apply("b64url-blob", &word),
        word,
        "a long plain word is not a blob"
    );
}

#[test]
fn host_port_rule_hides_loopback_ports() {
    assert_eq!(
        apply("host-port", "http://127.0.0.1:41234/v1/leases"),
        "http://<host:port>/v1/leases"
    );
    assert_eq!(
        apply("host-port", "http://gate.example/x"),
        "http://gate.example/x"
    );
}

#[test]
fn metric_sample_rule_keeps_names_and_labels() {
    let text = "# TYPE x counter\nlatchgate_requests_total{route=\"/v1/leases\"} 17\nup 1\n";
    assert_eq!(
        apply("metric-sample", text),
        "# TYPE x counter\nlatchgate_requests_total{route=\"/v1/leases\"} <n>\nup <n>\n"
    );
}

#[test]
fn metric_order_rule_sorts_the_samples_within_each_family_only() {
    let text = "# HELP b B.\n# TYPE b counter\nb{x=\"2\"} 1\nb{x=\"1\"} 1\n# HELP a A.\n# TYPE a gauge\na{y=\"9\"} 1\na{y=\"0\"} 1\n# EOF\n";
    assert_eq!(
        apply("metric-order", text),
        "# HELP b B.\n# TYPE b counter\nb{x=\"1\"} 1\nb{x=\"2\"} 1\n# HELP a A.\n# TYPE a gauge\na{y=\"0\"} 1\na{y=\"9\"} 1\n# EOF\n",
        "samples sorted inside b and inside a; family b still before family a"
    );
}

#[test]
fn metric_order_rule_leaves_text_that_is_no_exposition() {
    let text = "z 1\na 2\n";
    assert_eq!(apply("metric-order", text), text);
}

#[test]
fn unix_time_rule_replaces_seconds_and_milliseconds_only() {
    assert_eq!(
        normalized(br#"{"iat":1795000000,"ts":1795000000123,"max_calls":5}"#),
        r#"{"iat":"<unix s>","ts":"<unix ms>","max_calls":5}"#,
        "rule {UNIX_TIME_RULE}"
    );
    assert_eq!(
        Normalizer::default().text("iat too old: 1795767692 (now=1795771292, max_age=60s)"),
        "iat too old: <unix s> (now=<unix s>, max_age=60s)"
    );
}

#[test]
fn duration_rule_replaces_numbers_under_duration_members() {
    assert_eq!(
        normalized(br#"{"uptime_seconds":12,"latency_ms":3,"count":3}"#),
        r#"{"uptime_seconds":"<duration>","latency_ms":"<duration>","count":3}"#,
        "rule {DURATION_RULE}"
    );
}

#[test]
fn context_literal_rule_replaces_the_sides_own_values_first() {
    let n = Normalizer::new(vec![
        ("http://127.0.0.1:4000".into(), "<base>".into()),
        ("/tmp/root".into(), "<fs_root>".into()),
    ]);
    assert_eq!(
        n.text("http://127.0.0.1:4000/v1/x in /tmp/root/a"),
        "<base>/v1/x in <fs_root>/a",
        "rule {CONTEXT_RULE}"
    );
}

#[test]
fn key_id_rule_replaces_strings_under_key_members_keeping_the_length() {
    assert_eq!(
        normalized(
            br#"{"signing_key_id":"98aaad29e36c20df","kid":"abc","name":"98aaad29e36c20df"}"#
        ),
        r#"{"signing_key_id":"<key-id 16>","kid":"<key-id 3>","name":"98aaad29e36c20df"}"#,
        "rule {KEY_ID_RULE}"
    );
}

#[test]
fn json_error_position_rule_hides_the_column_only() {
    assert_eq!(
        apply(
            "json-error-position",
            "missing field `jti` at line 1 column 151"
        ),
        "missing field `jti` at line 1 column <n>"
    );
}

#[test]
fn history_count_rule_replaces_counts_of_the_gates_history() {
    assert_eq!(
        normalized(br#"{"intact":true,"total_events":282,"verified_links":282,"max_calls":2}"#),
        r#"{"intact":true,"total_events":"<count>","verified_links":"<count>","max_calls":2}"#,
        "rule {HISTORY_COUNT_RULE}"
    );
}

#[test]
fn policy_revision_rule_replaces_the_edit_counter() {
    assert_eq!(
        normalized(br#"{"policy_version":"quickstart-init-4"}"#),
        r#"{"policy_version":"quickstart-init<rev>"}"#,
        "rule {POLICY_REVISION_RULE}"
    );
    assert_eq!(
        normalized(br#"{"policy_version":"quickstart-init"}"#),
        r#"{"policy_version":"quickstart-init<rev>"}"#
    );
    assert_eq!(
        normalized(br#"{"policy_version":"team-v2"}"#),
        r#"{"policy_version":"team-v2<rev>"}"#,
        "the name stays"
    );
}

#[test]
fn every_rule_has_a_row_in_the_readme_table() {
    let readme = include_str!("../../../README.md");
    let missing: Vec<String> = super::super::corpus::rule_names()
        .into_iter()
        .filter(|name| !readme.contains(&format!("| `{name}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a row in conformance/README.md: {missing:?}"
    );
}
