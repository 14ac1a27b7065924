//! The quickstart policy (the gate's embedded Rego) evaluated natively over the policy data.
//!
//! Else-chain as the Rego `decision`: ACL → scopes → budget → sinks → explicit allowlist →
//! approval triggers → allow. Set-valued messages are rendered as compact JSON arrays.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::globs;
use crate::manifest::RiskLevel;

/// One ACL entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AclEntry {
    /// Actions the principal may call.
    #[serde(default)]
    pub allowed_actions: Vec<String>,
    /// Side-effect sinks the principal may cause.
    #[serde(default)]
    pub allowed_sinks: Vec<String>,
    /// Also inherit the wildcard principal's actions and sinks (only written when set, so
    /// `GET /v1/admin/policy` shows the entries as the gate's data.json holds them).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inherits_wildcard: bool,
}

/// `data.latchgate` (explicit allowlist that skips approval).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LatchgateData {
    /// `allowlist[action_id][principal] = true`.
    #[serde(default)]
    pub allowlist: BTreeMap<String, BTreeMap<String, bool>>,
}

/// The policy data (`data.json` of the real gate).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PolicyData {
    /// Version string reported in approvals and reloads.
    #[serde(default)]
    pub policy_version: String,
    /// Per-principal ACL; `*` is the wildcard principal.
    #[serde(default)]
    pub acl: BTreeMap<String, AclEntry>,
    /// Explicit approval-skipping allowlist.
    #[serde(default)]
    pub latchgate: LatchgateData,
}

impl PolicyData {
    /// Parses policy data JSON.
    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("invalid policy data: {e}"))
    }

    /// Adds actions (and sinks) to a principal, as `POST /v1/admin/policy/grant`.
    pub fn grant(&mut self, principal: &str, actions: &[&str], sinks: &[&str]) {
        let entry = self.acl.entry(principal.to_string()).or_default();
        for a in actions {
            if !entry.allowed_actions.iter().any(|x| x == a) {
                entry.allowed_actions.push((*a).to_string());
            }
        }
        for s in sinks {
            if !entry.allowed_sinks.iter().any(|x| x == s) {
                entry.allowed_sinks.push((*s).to_string());
            }
        }
    }
}

/// What the policy sees about one call.
#[derive(Debug, Clone)]
pub struct PolicyInput<'a> {
    /// Lease `sub`.
    pub principal: &'a str,
    /// Action id.
    pub action_id: &'a str,
    /// Lease scopes.
    pub scopes: &'a [String],
    /// Manifest `required_scopes`.
    pub required_scopes: &'a [String],
    /// Budget snapshot (`i64::MAX` without budgets).
    pub calls_remaining: i64,
    /// Manifest `declared_side_effects`.
    pub requested_sinks: &'a [String],
    /// Manifest risk.
    pub risk: RiskLevel,
    /// Whether the action is a filesystem action.
    pub is_fs: bool,
    /// Body `path` of fs actions.
    pub fs_path: Option<&'a str>,
    /// Paths not covered by allowed globs.
    pub unresolved_paths: &'a [String],
    /// Domains not covered by the egress allowlist.
    pub unresolved_domains: &'a [String],
}

/// The policy's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// 403 `policy_denied` with this reason.
    Deny(String),
    /// Execute now.
    Allow,
    /// Store the plan and answer 202.
    RequireApproval,
}

/// Evaluates the quickstart policy.
pub fn evaluate(data: &PolicyData, input: &PolicyInput<'_>) -> Decision {
    if !principal_has_action(data, input.principal, input.action_id) {
        return Decision::Deny(format!(
            "principal '{}' is not authorised for action '{}'",
            input.principal, input.action_id
        ));
    }
    let has_tools_call = input.scopes.iter().any(|s| s == "tools:call");
    if !has_tools_call {
        return Decision::Deny(format!(
            "scope 'tools:call' is required for action execution but is absent from lease scopes: {}",
            json_list(input.scopes.iter())
        ));
    }
    let missing: BTreeSet<&String> = input
        .required_scopes
        .iter()
        .filter(|r| !input.scopes.contains(r))
        .collect();
    if !missing.is_empty() {
        return Decision::Deny(format!(
            "lease is missing required scope(s) for action '{}': required={}, present={}, missing={}",
            input.action_id,
            json_list(input.required_scopes.iter()),
            json_list(input.scopes.iter()),
            json_list(missing.into_iter())
        ));
    }
    if input.calls_remaining <= 0 {
        return Decision::Deny("budget exhausted: no calls remaining".into());
    }
    let disallowed: BTreeSet<&String> = input
        .requested_sinks
        .iter()
        .filter(|s| !sink_allowed(data, input.principal, s))
        .collect();
    if !disallowed.is_empty() {
        return Decision::Deny(format!(
            "disallowed sink(s): {}",
            json_list(disallowed.into_iter())
        ));
    }
    let allowlisted = data
        .latchgate
        .allowlist
        .get(input.action_id)
        .and_then(|m| m.get(input.principal))
        .copied()
        .unwrap_or(false);
    if allowlisted {
        return Decision::Allow;
    }
    let sensitive = input.is_fs && globs::is_sensitive(input.fs_path.unwrap_or(""));
    if input.risk.is_high()
        || sensitive
        || !input.unresolved_paths.is_empty()
        || !input.unresolved_domains.is_empty()
    {
        return Decision::RequireApproval;
    }
    Decision::Allow
}

fn principal_has_action(data: &PolicyData, principal: &str, action: &str) -> bool {
    let wildcard_has = || {
        data.acl
            .get("*")
            .is_some_and(|w| w.allowed_actions.iter().any(|a| a == action))
    };
    match data.acl.get(principal) {
        Some(e) => {
            e.allowed_actions.iter().any(|a| a == action) || (e.inherits_wildcard && wildcard_has())
        }
        None => wildcard_has(),
    }
}

fn sink_allowed(data: &PolicyData, principal: &str, sink: &str) -> bool {
    let wildcard_has = || {
        data.acl
            .get("*")
            .is_some_and(|w| w.allowed_sinks.iter().any(|s| s == sink))
    };
    match data.acl.get(principal) {
        Some(e) => {
            e.allowed_sinks.iter().any(|s| s == sink) || (e.inherits_wildcard && wildcard_has())
        }
        None => wildcard_has(),
    }
}

fn json_list<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&String> = items.collect();
    serde_json::to_string(&v).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quickstart() -> PolicyData {
        PolicyData::from_json(crate::fixtures::QUICKSTART_POLICY).unwrap()
    }

    fn input<'a>(action: &'a str, scopes: &'a [String], sinks: &'a [String]) -> PolicyInput<'a> {
        PolicyInput {
            principal: "dev:anonymous",
            action_id: action,
            scopes,
            required_scopes: &[],
            calls_remaining: i64::MAX,
            requested_sinks: sinks,
            risk: RiskLevel::Low,
            is_fs: false,
            fs_path: None,
            unresolved_paths: &[],
            unresolved_domains: &[],
        }
    }

    #[test]
    fn wildcard_acl_denies_http_post_for_unnamed_principal() {
        let scopes = vec!["tools:call".to_string()];
        let d = evaluate(&quickstart(), &input("http_post", &scopes, &[]));
        assert_eq!(
            d,
            Decision::Deny(
                "principal 'dev:anonymous' is not authorised for action 'http_post'".into()
            )
        );
    }

    #[test]
    fn exhausted_budget_is_a_policy_denial() {
        let scopes = vec!["tools:call".to_string()];
        let mut i = input("http_fetch", &scopes, &[]);
        i.calls_remaining = 0;
        assert_eq!(
            evaluate(&quickstart(), &i),
            Decision::Deny("budget exhausted: no calls remaining".into())
        );
    }

    #[test]
    fn unknown_domain_requires_approval() {
        let scopes = vec!["tools:call".to_string()];
        let domains = vec!["example.com".to_string()];
        let mut i = input("http_fetch", &scopes, &[]);
        i.unresolved_domains = &domains;
        assert_eq!(evaluate(&quickstart(), &i), Decision::RequireApproval);
    }
}
