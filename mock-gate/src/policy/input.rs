//! The input document the gate gives its policy (`input` in Rego), field for field: optional
//! fields are left out when empty, as the gate's serializer does.

use serde::Serialize;

use crate::actions::manifest::{EgressProfile, RiskLevel};

/// What the policy sees about one call.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyInput<'a> {
    /// Lease `sub`.
    pub principal: &'a str,
    /// Lease session.
    pub session_id: &'a str,
    /// Lease scopes.
    pub scopes: &'a [String],
    /// Manifest `required_scopes`.
    pub required_scopes: &'a [String],
    /// Action id.
    pub action_id: &'a str,
    /// Manifest version.
    pub action_version: &'a str,
    /// Manifest risk.
    pub action_risk_level: RiskLevel,
    /// Always `digest_ok` here: a digest mismatch is refused before the policy runs.
    pub action_trust_verdict: &'static str,
    /// `fs` for filesystem actions, left out otherwise.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub action_category: &'a str,
    /// `sha256:` hash of the canonical body.
    pub request_hash: &'a str,
    /// Manifest `declared_side_effects`.
    pub requested_sinks: &'a [String],
    /// Secret names of the manifest (the mock has none).
    pub requested_secrets: &'a [String],
    /// Manifest egress profile.
    pub egress_profile: &'a EgressProfile,
    /// Body `path` of fs actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fs_path: Option<&'a str>,
    /// Budget snapshot (`i64::MAX` without budgets).
    pub budgets_before: Budgets,
    /// Domains not covered by the egress allowlist.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub unresolved_domains: &'a [String],
    /// Paths not covered by allowed globs.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub unresolved_paths: &'a [String],
}

/// `budgets_before` / `budgets_after`.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Budgets {
    /// Calls left.
    pub calls_remaining: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_optional_fields_are_left_out() {
        let scopes = vec!["tools:call".to_string()];
        let v = serde_json::to_value(PolicyInput {
            principal: "p",
            session_id: "s",
            scopes: &scopes,
            required_scopes: &scopes,
            action_id: "a",
            action_version: "1",
            action_risk_level: RiskLevel::Low,
            action_trust_verdict: "digest_ok",
            action_category: "",
            request_hash: "sha256:x",
            requested_sinks: &[],
            requested_secrets: &[],
            egress_profile: &EgressProfile::None,
            fs_path: None,
            budgets_before: Budgets { calls_remaining: 3 },
            unresolved_domains: &[],
            unresolved_paths: &[],
        })
        .unwrap();
        for k in [
            "action_category",
            "fs_path",
            "unresolved_domains",
            "unresolved_paths",
        ] {
            assert!(v.get(k).is_none(), "{k} should be left out: {v}");
        }
        assert_eq!(v["egress_profile"], "none");
        assert_eq!(v["budgets_before"]["calls_remaining"], 3);
    }
}
