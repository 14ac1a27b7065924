//! The built-in policy's decisions, evaluated by regorus over the quickstart data.

use super::load::quickstart_modules;
use super::{Budgets, PolicyEngine, PolicyInput, Verdict};
use crate::actions::manifest::{EgressProfile, RiskLevel};

fn engine() -> PolicyEngine {
    PolicyEngine::new(
        &quickstart_modules(),
        &crate::policy::load::quickstart_data(),
    )
    .unwrap()
}

struct Call {
    action: &'static str,
    scopes: Vec<String>,
    required: Vec<String>,
    sinks: Vec<String>,
    risk: RiskLevel,
    fs_path: Option<&'static str>,
    calls: i64,
    domains: Vec<String>,
}

fn call(action: &'static str) -> Call {
    Call {
        action,
        scopes: vec!["tools:call".into()],
        required: vec!["tools:call".into()],
        sinks: vec![],
        risk: RiskLevel::Low,
        fs_path: None,
        calls: i64::MAX,
        domains: vec![],
    }
}

fn decide(e: &PolicyEngine, c: &Call) -> Verdict {
    e.evaluate(&PolicyInput {
        principal: "dev:anonymous",
        session_id: "s",
        scopes: &c.scopes,
        required_scopes: &c.required,
        action_id: c.action,
        action_version: "0.1.0",
        action_risk_level: c.risk,
        action_trust_verdict: "digest_ok",
        action_category: if c.fs_path.is_some() { "fs" } else { "" },
        request_hash: "sha256:00",
        requested_sinks: &c.sinks,
        requested_secrets: &[],
        egress_profile: &EgressProfile::None,
        fs_path: c.fs_path,
        budgets_before: Budgets {
            calls_remaining: c.calls,
        },
        unresolved_domains: &c.domains,
        unresolved_paths: &[],
    })
}

fn is_review(v: &Verdict) -> bool {
    matches!(v, Verdict::Review(_))
}

#[test]
fn an_action_outside_the_wildcard_acl_is_denied() {
    assert_eq!(
        decide(&engine(), &call("http_post")),
        Verdict::Deny("principal 'dev:anonymous' is not authorised for action 'http_post'".into())
    );
}

#[test]
fn a_lease_without_tools_call_is_denied_with_its_scopes() {
    let mut c = call("fs_read");
    c.scopes = vec!["other".into()];
    assert_eq!(
        decide(&engine(), &c),
        Verdict::Deny(
            "scope 'tools:call' is required for action execution but is absent from lease scopes: [\"other\"]"
                .into()
        )
    );
}

#[test]
fn an_exhausted_budget_is_a_policy_denial() {
    let mut c = call("http_fetch");
    c.calls = 0;
    assert_eq!(
        decide(&engine(), &c),
        Verdict::Deny("budget exhausted: no calls remaining".into())
    );
}

#[test]
fn a_sink_outside_the_acl_is_denied() {
    let mut c = call("fs_read");
    c.sinks = vec!["fs_write".into()];
    let v = decide(&engine(), &c);
    assert!(
        matches!(&v, Verdict::Deny(r) if r.starts_with("disallowed sink(s): ") && r.contains("fs_write")),
        "{v:?}"
    );
}

#[test]
fn an_unknown_domain_needs_review() {
    let mut c = call("http_fetch");
    c.domains = vec!["example.com".into()];
    assert!(is_review(&decide(&engine(), &c)));
}

#[test]
fn the_granted_sinks_of_an_unnamed_principal_are_the_wildcard_sinks() {
    let mut c = call("fs_read");
    c.risk = RiskLevel::High;
    match decide(&engine(), &c) {
        Verdict::Review(g) => {
            assert_eq!(g.allowed_sinks, ["fs_read", "http_read"]);
            assert_eq!(g.policy_version.as_deref(), Some("quickstart-init"));
            assert_eq!(g.calls_after, i64::MAX - 1);
        }
        other => panic!("expected review, got {other:?}"),
    }
}

#[test]
fn dotted_paths_under_sensitive_dirs_are_not_sensitive_to_glob_match() {
    let e = engine();
    for p in [
        "config/secrets/api.txt",
        "home/.ssh/id_rsa.pub",
        "my.app/.env",
    ] {
        let mut c = call("fs_read");
        c.fs_path = Some(p);
        assert!(
            matches!(decide(&e, &c), Verdict::Allow(_)),
            "{p} should not need review"
        );
    }
}

#[test]
fn dotless_paths_under_sensitive_dirs_need_review() {
    let e = engine();
    for p in ["app/.env", "x/secrets/key", "home/.aws/credentials"] {
        let mut c = call("fs_read");
        c.fs_path = Some(p);
        assert!(is_review(&decide(&e, &c)), "{p} should need review");
    }
}
