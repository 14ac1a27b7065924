//! The decision object a policy returns, read as the gate reads it: `allow` required, a denial's
//! reason defaulted, an approval without its narrowed capabilities turned into a denial.

use serde::Deserialize;

use super::input::Budgets;
use crate::actions::manifest::EgressProfile;

/// The fields of `data.latchgate.decision` the gate reads (others are ignored).
#[derive(Debug, Deserialize)]
struct Raw {
    allow: bool,
    deny_reason: Option<String>,
    #[serde(default)]
    requires_approval: bool,
    budgets_after: Option<Budgets>,
    allowed_sinks: Option<Vec<String>>,
    approved_secrets: Option<Vec<String>>,
    approved_egress: Option<EgressProfile>,
    policy_version: Option<String>,
}

/// What the policy allowed, narrowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    /// Sinks the policy authorises (the plan's `approved_targets`).
    pub allowed_sinks: Vec<String>,
    /// Secret names it approves.
    pub approved_secrets: Vec<String>,
    /// Egress it approves (`None`: the manifest's, on an allow without the field).
    pub approved_egress: Option<EgressProfile>,
    /// Its budget after the debit.
    pub calls_after: i64,
    /// `policy_version` of the decision.
    pub policy_version: Option<String>,
}

/// The policy's answer for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Execute now.
    Allow(Granted),
    /// Store the plan and answer 202.
    Review(Granted),
    /// 403 `policy_denied` with this (unsanitized) reason.
    Deny(String),
    /// 503 `policy_engine_unavailable` (evaluation failed).
    Unavailable(String),
    /// 503 `policy_engine_invalid_response` (the decision does not have the expected shape).
    Invalid(String),
}

/// Interprets the JSON text of a decision value.
pub fn interpret(json: &str, calls_before: i64) -> Verdict {
    let raw: Raw = match serde_json::from_str(json) {
        Ok(r) => r,
        Err(e) => return Verdict::Invalid(format!("malformed decision JSON: {e}")),
    };
    if !raw.allow {
        return Verdict::Deny(
            raw.deny_reason
                .unwrap_or_else(|| "denied by policy (no reason provided)".into()),
        );
    }
    if raw.requires_approval {
        let missing = if raw.allowed_sinks.is_none() {
            Some("allowed_sinks")
        } else if raw.approved_secrets.is_none() {
            Some("approved_secrets")
        } else if raw.approved_egress.is_none() {
            Some("approved_egress")
        } else {
            None
        };
        if let Some(field) = missing {
            return Verdict::Deny(format!(
                "policy contract violation: requires_approval without {field}"
            ));
        }
        return Verdict::Review(Granted {
            allowed_sinks: raw.allowed_sinks.unwrap_or_default(),
            approved_secrets: raw.approved_secrets.unwrap_or_default(),
            approved_egress: raw.approved_egress,
            calls_after: raw
                .budgets_after
                .map_or(calls_before, |b| b.calls_remaining),
            policy_version: raw.policy_version,
        });
    }
    Verdict::Allow(Granted {
        allowed_sinks: raw.allowed_sinks.unwrap_or_default(),
        approved_secrets: raw.approved_secrets.unwrap_or_default(),
        approved_egress: raw.approved_egress,
        calls_after: raw.budgets_after.map_or(0, |b| b.calls_remaining),
        policy_version: raw.policy_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_denial_without_reason_gets_the_gate_default() {
        assert_eq!(
            interpret(r#"{"allow":false}"#, 1),
            Verdict::Deny("denied by policy (no reason provided)".into())
        );
    }

    #[test]
    fn an_approval_without_sinks_is_a_contract_violation() {
        assert_eq!(
            interpret(r#"{"allow":true,"requires_approval":true}"#, 1),
            Verdict::Deny(
                "policy contract violation: requires_approval without allowed_sinks".into()
            )
        );
    }

    #[test]
    fn a_decision_without_allow_is_an_invalid_response() {
        assert!(matches!(
            interpret(r#"{"deny_reason":"x"}"#, 1),
            Verdict::Invalid(_)
        ));
    }

    #[test]
    fn an_approval_without_budgets_after_keeps_the_budget_before() {
        let v = interpret(
            r#"{"allow":true,"requires_approval":true,"allowed_sinks":[],"approved_secrets":[],"approved_egress":"none"}"#,
            7,
        );
        assert!(matches!(v, Verdict::Review(g) if g.calls_after == 7));
    }
}
