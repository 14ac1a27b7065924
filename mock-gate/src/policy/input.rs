//! The input document the gate gives its policy (`input` in Rego), field for field: optional
//! fields are left out when empty, as the gate's serializer does.
//!
//! The engine builds the `regorus` value directly ([`PolicyInput::to_rego`]); it is the value
//! the gate gets by serializing the document to JSON and parsing that text back (a test holds
//! the two equal).

use std::collections::BTreeMap;

use regorus::Value;
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

impl PolicyInput<'_> {
    /// The document as a `regorus` value, without going through JSON text.
    pub fn to_rego(&self) -> Value {
        let mut doc = BTreeMap::new();
        let mut put = |k: &str, v: Value| {
            doc.insert(Value::from(k), v);
        };
        put("principal", Value::from(self.principal));
        put("session_id", Value::from(self.session_id));
        put("scopes", strings(self.scopes));
        put("required_scopes", strings(self.required_scopes));
        put("action_id", Value::from(self.action_id));
        put("action_version", Value::from(self.action_version));
        put(
            "action_risk_level",
            Value::from(self.action_risk_level.as_str()),
        );
        put(
            "action_trust_verdict",
            Value::from(self.action_trust_verdict),
        );
        if !self.action_category.is_empty() {
            put("action_category", Value::from(self.action_category));
        }
        put("request_hash", Value::from(self.request_hash));
        put("requested_sinks", strings(self.requested_sinks));
        put("requested_secrets", strings(self.requested_secrets));
        put("egress_profile", egress(self.egress_profile));
        if let Some(p) = self.fs_path {
            put("fs_path", Value::from(p));
        }
        let calls = object([(
            "calls_remaining",
            json_int(self.budgets_before.calls_remaining),
        )]);
        put("budgets_before", calls);
        if !self.unresolved_domains.is_empty() {
            put("unresolved_domains", strings(self.unresolved_domains));
        }
        if !self.unresolved_paths.is_empty() {
            put("unresolved_paths", strings(self.unresolved_paths));
        }
        Value::from(doc)
    }
}

fn strings(items: &[String]) -> Value {
    Value::from(
        items
            .iter()
            .map(|s| Value::from(s.as_str()))
            .collect::<Vec<_>>(),
    )
}

fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::from(
        fields
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// An integer as parsing its JSON text gives it: non-negative ones are read as `u64`.
fn json_int(n: i64) -> Value {
    u64::try_from(n).map_or_else(|_| Value::from(n), Value::from)
}

/// The externally tagged serialization of [`EgressProfile`].
fn egress(profile: &EgressProfile) -> Value {
    match profile {
        EgressProfile::None => Value::from("none"),
        EgressProfile::ProxyAllowlist { allowed_domains } => object([(
            "proxy_allowlist",
            object([("allowed_domains", strings(allowed_domains))]),
        )]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(scopes: &'a [String], egress: &'a EgressProfile, calls: i64) -> PolicyInput<'a> {
        PolicyInput {
            principal: "p",
            session_id: "s",
            scopes,
            required_scopes: scopes,
            action_id: "a",
            action_version: "1",
            action_risk_level: RiskLevel::Low,
            action_trust_verdict: "digest_ok",
            action_category: "",
            request_hash: "sha256:x",
            requested_sinks: &[],
            requested_secrets: &[],
            egress_profile: egress,
            fs_path: None,
            budgets_before: Budgets {
                calls_remaining: calls,
            },
            unresolved_domains: &[],
            unresolved_paths: &[],
        }
    }

    #[test]
    fn empty_optional_fields_are_left_out() {
        let scopes = vec!["tools:call".to_string()];
        let v = serde_json::to_value(input(&scopes, &EgressProfile::None, 3)).unwrap();
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

    #[test]
    fn the_direct_value_is_the_value_of_the_json_text() {
        let scopes = vec!["tools:call".to_string(), "fs:read".to_string()];
        let sinks = vec!["net:\"quoted\"".to_string(), "é/ünï".to_string()];
        let allow = EgressProfile::ProxyAllowlist {
            allowed_domains: vec!["httpbin.org".into()],
        };
        for calls in [i64::MIN, -1, 0, 7, i64::MAX] {
            for egress in [&EgressProfile::None, &allow] {
                let mut doc = input(&scopes, egress, calls);
                let direct = doc.to_rego();
                let text = serde_json::to_string(&doc).unwrap();
                assert_eq!(direct, Value::from_json_str(&text).unwrap(), "{text}");
                doc.action_category = "fs";
                doc.action_risk_level = RiskLevel::Critical;
                doc.fs_path = Some("a/.env");
                doc.requested_sinks = &sinks;
                doc.unresolved_domains = &sinks;
                doc.unresolved_paths = &scopes;
                let text = serde_json::to_string(&doc).unwrap();
                assert_eq!(
                    doc.to_rego(),
                    Value::from_json_str(&text).unwrap(),
                    "{text}"
                );
            }
        }
    }
}
