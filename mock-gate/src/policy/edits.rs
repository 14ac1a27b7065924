//! The gate's edits of the policy data behind `/v1/admin/policy/{grant,revoke,allowlist}`.
//!
//! The gate rewrites `data.json` and hot-reloads the evaluator; the mock edits the in-memory
//! [`PolicyData`] document the same way (other keys of the document and of the entry stay)
//! and reloads its engine. Grant and revoke keep each principal's actions as a
//! sorted set and replace its `allowed_sinks` with the union of the `declared_side_effects`
//! of those actions; both bump `policy_version`. Allowlist edits leave the version alone.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::actions::Registry;
use crate::policy::{strings_of, PolicyData};

/// What a grant or revoke left the principal with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclChange {
    /// Actions the principal holds afterwards (0 when a revoke found no entry).
    pub actions: usize,
    /// Derived sinks of those actions (sorted).
    pub allowed_sinks: Vec<String>,
    /// Whether the principal had an entry or got one (only then is the data changed).
    pub modified: bool,
}

/// Union of the declared sinks of `actions` (unknown actions contribute none).
fn derive_sinks(actions: &BTreeSet<String>, registry: &Registry) -> Vec<String> {
    let sinks: BTreeSet<String> = actions
        .iter()
        .filter_map(|a| registry.get(a))
        .flat_map(|e| e.action.spec.declared_side_effects.iter().cloned())
        .collect();
    sinks.into_iter().collect()
}

/// Adds `actions` to `principal` (creating the entry) and re-derives its sinks.
pub fn grant(
    data: &mut PolicyData,
    principal: &str,
    actions: &[String],
    registry: &Registry,
) -> AclChange {
    let entry = data
        .acl_mut()
        .entry(principal.to_string())
        .or_insert_with(|| json!({"allowed_actions": [], "allowed_sinks": []}));
    if !entry.is_object() {
        *entry = json!({"allowed_actions": [], "allowed_sinks": []});
    }
    let Value::Object(obj) = entry else {
        unreachable!("entry was just made an object")
    };
    let mut set: BTreeSet<String> = strings_of(obj, "allowed_actions").into_iter().collect();
    set.extend(actions.iter().cloned());
    let sinks = derive_sinks(&set, registry);
    write_entry(obj, &set, &sinks);
    changed(data, set.len(), sinks)
}

/// Removes `actions` from `principal`; an entry left without actions is deleted.
pub fn revoke(
    data: &mut PolicyData,
    principal: &str,
    actions: &[String],
    registry: &Registry,
) -> AclChange {
    let acl = data.acl_mut();
    let Some(entry) = acl.get_mut(principal) else {
        return AclChange {
            actions: 0,
            allowed_sinks: Vec::new(),
            modified: false,
        };
    };
    let mut set: BTreeSet<String> = entry
        .as_object()
        .map(|o| strings_of(o, "allowed_actions").into_iter().collect())
        .unwrap_or_default();
    for a in actions {
        set.remove(a);
    }
    let sinks = derive_sinks(&set, registry);
    if set.is_empty() {
        acl.remove(principal);
    } else if let Value::Object(obj) = entry {
        write_entry(obj, &set, &sinks);
    }
    changed(data, set.len(), sinks)
}

fn write_entry(obj: &mut Map<String, Value>, actions: &BTreeSet<String>, sinks: &[String]) {
    obj.insert("allowed_actions".into(), json!(actions));
    obj.insert("allowed_sinks".into(), json!(sinks));
}

/// Bumps the version after a change of the principal's entry.
fn changed(data: &mut PolicyData, actions: usize, allowed_sinks: Vec<String>) -> AclChange {
    let version = next_version(data.policy_version());
    data.set_policy_version(version);
    AclChange {
        actions,
        allowed_sinks,
        modified: true,
    }
}

/// The gate's version bump: `""` → `v1`, `x-<n>` → `x-<n+1>`, anything else → `x-1`.
pub fn next_version(current: &str) -> String {
    if current.is_empty() {
        return "v1".into();
    }
    if let Some((prefix, suffix)) = current.rsplit_once('-') {
        if let Ok(n) = suffix.parse::<u64>() {
            return format!("{prefix}-{}", n.saturating_add(1));
        }
    }
    format!("{current}-1")
}

/// `allowlist[action_id][agent_id] = true`.
pub fn allowlist_add(data: &mut PolicyData, action_id: &str, agent_id: &str) {
    let agents = data
        .allowlist_mut()
        .entry(action_id.to_string())
        .or_insert_with(|| json!({}));
    if !agents.is_object() {
        *agents = json!({});
    }
    if let Value::Object(m) = agents {
        m.insert(agent_id.to_string(), Value::Bool(true));
    }
}

/// Removes the pair (and an action map left empty); false when it was absent.
pub fn allowlist_remove(data: &mut PolicyData, action_id: &str, agent_id: &str) -> bool {
    let allowlist = data.allowlist_mut();
    let Some(Value::Object(agents)) = allowlist.get_mut(action_id) else {
        return false;
    };
    if agents.remove(agent_id).is_none() {
        return false;
    }
    if agents.is_empty() {
        allowlist.remove(action_id);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_bump_follows_the_gate_rules() {
        assert_eq!(next_version(""), "v1");
        assert_eq!(next_version("v1"), "v1-1");
        assert_eq!(next_version("v1-3"), "v1-4");
        assert_eq!(next_version("quickstart-init"), "quickstart-init-1");
    }

    #[test]
    fn revoke_of_an_absent_principal_changes_nothing() {
        let mut d = crate::policy::load::quickstart_data();
        let before = d.clone();
        let r = revoke(&mut d, "nobody", &["fs_read".into()], &Registry::new());
        assert!(!r.modified);
        assert_eq!(d, before, "data and version stay");
    }

    #[test]
    fn removing_the_last_agent_drops_the_action_map() {
        let mut d = PolicyData::default();
        allowlist_add(&mut d, "fs_read", "a");
        assert!(allowlist_remove(&mut d, "fs_read", "a"));
        assert!(d.allowlist_is_empty());
        assert!(!allowlist_remove(&mut d, "fs_read", "a"));
    }
}
