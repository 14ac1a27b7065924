//! A team's own Rego policy directory (`.policy_dir`, `--policy-dir`): its decisions through the
//! execute route, admin edits on its data, and the refusal of a policy that does not load.

mod support;

use latchgate_mock::MockGate;
use serde_json::{json, Value};
use support::{execute_fresh as execute, fs_root_with, mock_command, Op};

/// Allows `http_fetch` for principals listed in `data.team.readers`, holds `fs_read` of paths
/// under `private/` for review, denies everything else with a reason naming the action.
const TEAM_REGO: &str = r#"package latchgate

import rego.v1

default decision := {"allow": false, "deny_reason": "team policy: nothing matched"}

granted := {
	"allow": true,
	"requires_approval": false,
	"budgets_after": {"calls_remaining": input.budgets_before.calls_remaining - 1},
	"allowed_sinks": input.requested_sinks,
	"approved_secrets": [],
	"approved_egress": input.egress_profile,
	"policy_version": data.team.version,
}

decision := object.union(granted, {"requires_approval": true}) if {
	input.action_id == "fs_read"
	startswith(input.fs_path, "private/")
} else := granted if {
	input.action_id == "fs_read"
} else := refused if {
	input.action_id != "fs_read"
}

refused := {"allow": false, "deny_reason": sprintf("team policy: %s is not for %s", [input.action_id, input.principal])}
"#;

const TEAM_DATA: &str = r#"{"team": {"version": "team-7"}, "acl": {}}"#;

fn policy_dir(rego: &str, data: Option<&str>) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("lib")).unwrap();
    std::fs::write(d.path().join("lib").join("team.rego"), rego).unwrap();
    if let Some(data) = data {
        std::fs::write(d.path().join("data.json"), data).unwrap();
    }
    d
}

/// A gate on the team policy and data, over an fs root holding `README.md`, and the two
/// temporary directories, to be kept as long as the gate is used.
async fn team_gate() -> (MockGate, [tempfile::TempDir; 2]) {
    let dir = policy_dir(TEAM_REGO, Some(TEAM_DATA));
    let root = fs_root_with(&[("README.md", "hello")]);
    let g = MockGate::builder()
        .policy_dir(dir.path())
        .fs_root(root.path())
        .start()
        .await
        .unwrap();
    (g, [dir, root])
}

fn read(path: &str) -> Value {
    json!({"operation": "read", "path": path})
}

#[tokio::test]
async fn the_team_policy_allows_what_it_grants() {
    let (g, _dirs) = team_gate().await;
    let r = execute(&g, "fs_read", &read("README.md")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["decision"], "executed");
}

#[tokio::test]
async fn the_team_policy_denial_carries_its_reason() {
    let (g, _dirs) = team_gate().await;
    let post = json!({"url": "https://httpbin.org/post", "body": "{}"});
    let r = execute(&g, "http_post", &post).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        r.json()["deny_reason"],
        "team policy: http_post is not for dev:anonymous"
    );
}

#[tokio::test]
async fn the_team_policy_holds_what_it_reviews_with_its_version() {
    let (g, _dirs) = team_gate().await;
    let r = execute(&g, "fs_read", &read("private/plan.md")).await;
    assert_eq!(r.status, 202, "{}", r.text());
    let id = r.member("approval_id");
    let detail = Op::of(&g)
        .get(&g, &format!("/v1/approvals/{id}"))
        .await
        .json();
    assert_eq!(detail["policy_version"], "team-7");
    assert_eq!(detail["approved_targets"], json!(["fs_read"]));
}

#[tokio::test]
async fn a_grant_edits_the_team_data_and_keeps_its_own_keys() {
    let (g, _dirs) = team_gate().await;
    let body = json!({"principal": "dev:anonymous", "actions": ["fs_read"]});
    let r = Op::of(&g)
        .json(&g, "POST", "/v1/admin/policy/grant", body)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = execute(&g, "fs_read", &read("README.md")).await;
    assert_eq!(
        r.status,
        200,
        "the team's data.team.version is still there: {}",
        r.text()
    );
}

#[tokio::test]
async fn a_policy_that_does_not_parse_stops_the_start_naming_file_and_line() {
    let dir = policy_dir(
        "package latchgate\n\nimport rego.v1\n\ndecision := {\n",
        None,
    );
    let err = MockGate::builder()
        .policy_dir(dir.path())
        .start()
        .await
        .expect_err("a broken policy must not start");
    let text = err.to_string();
    assert!(text.contains("team.rego:"), "file missing: {text}");
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains(".rego:5:") || l.contains(".rego:6:")),
        "line missing: {text}"
    );
}

#[test]
fn the_binary_exits_2_on_a_policy_that_does_not_load() {
    let dir = policy_dir("package latchgate\n\ndecision := {\n", None);
    let out = mock_command(&["serve", "--policy-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("team.rego:"), "{err}");
}
