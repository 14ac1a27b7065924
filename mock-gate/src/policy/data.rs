//! The policy data document (`data.json` of the real gate), kept as the JSON it was read from so
//! that the Rego sees exactly what the file holds; the admin edits change it the way the gate
//! edits its file.

use super::PolicyDataError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The policy data: a JSON object (`data` in Rego).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct PolicyData {
    doc: Map<String, Value>,
}

impl PolicyData {
    /// Parses policy data JSON (must be an object).
    pub fn from_json(text: &str) -> Result<Self, PolicyDataError> {
        let v: Value = serde_json::from_str(text).map_err(PolicyDataError::Json)?;
        Self::from_value(v)
    }

    /// Policy data from a JSON value (must be an object).
    pub fn from_value(v: Value) -> Result<Self, PolicyDataError> {
        match v {
            Value::Object(doc) => Ok(Self { doc }),
            other => Err(PolicyDataError::NotAnObject(json_kind(&other))),
        }
    }

    /// The whole document.
    pub fn document(&self) -> &Map<String, Value> {
        &self.doc
    }

    /// `policy_version` as the gate reads it (`""` when absent or not a string).
    pub fn policy_version(&self) -> &str {
        self.doc
            .get("policy_version")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// Sets `policy_version`.
    pub fn set_policy_version(&mut self, v: String) {
        self.doc.insert("policy_version".into(), Value::String(v));
    }

    /// `acl` (`{}` when absent).
    pub fn acl(&self) -> Value {
        self.doc.get("acl").cloned().unwrap_or_else(|| json!({}))
    }

    /// One principal's ACL entry (absent or `null` → `None`).
    pub fn acl_entry(&self, principal: &str) -> Option<&Value> {
        self.doc
            .get("acl")
            .and_then(|a| a.get(principal))
            .filter(|e| !e.is_null())
    }

    /// The `acl` object, created when absent or not an object.
    pub fn acl_mut(&mut self) -> &mut Map<String, Value> {
        object_at(&mut self.doc, "acl")
    }

    /// `latchgate.allowlist`, created when absent.
    pub fn allowlist_mut(&mut self) -> &mut Map<String, Value> {
        object_at(object_at(&mut self.doc, "latchgate"), "allowlist")
    }

    /// Whether `latchgate.allowlist` holds no action.
    pub fn allowlist_is_empty(&self) -> bool {
        self.doc
            .get("latchgate")
            .and_then(|l| l.get("allowlist"))
            .and_then(Value::as_object)
            .is_none_or(Map::is_empty)
    }

    /// Adds actions (and sinks) to a principal, keeping what it had (the builder's and
    /// `/_mock/policy/grant`'s grant; the gate's own grant is in `policy_edit`).
    pub fn grant(&mut self, principal: &str, actions: &[&str], sinks: &[&str]) {
        let entry = self
            .acl_mut()
            .entry(principal.to_string())
            .or_insert_with(|| json!({"allowed_actions": [], "allowed_sinks": []}));
        if !entry.is_object() {
            *entry = json!({"allowed_actions": [], "allowed_sinks": []});
        }
        let Value::Object(obj) = entry else { return };
        add_strings(obj, "allowed_actions", actions);
        add_strings(obj, "allowed_sinks", sinks);
    }
}

/// The strings of an ACL entry's array field (non-strings skipped, as the gate reads them).
pub fn strings_of(entry: &Map<String, Value>, key: &str) -> Vec<String> {
    entry
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn add_strings(obj: &mut Map<String, Value>, key: &str, items: &[&str]) {
    let mut have = strings_of(obj, key);
    for i in items {
        if !have.iter().any(|h| h == i) {
            have.push((*i).to_string());
        }
    }
    obj.insert(key.into(), json!(have));
}

fn object_at<'a>(m: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = m.entry(key.to_string()).or_insert_with(|| json!({}));
    if !slot.is_object() {
        *slot = json!({});
    }
    match slot {
        Value::Object(o) => o,
        _ => unreachable!("slot was just made an object"),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_survive_a_grant() {
        let mut d = PolicyData::from_json(
            r#"{"team":{"x":1},"acl":{"a":{"allowed_actions":["f"],"note":"n"}}}"#,
        )
        .unwrap();
        d.grant("a", &["g"], &["s"]);
        let doc = serde_json::to_value(&d).unwrap();
        assert_eq!(doc["team"], json!({"x": 1}), "top-level user data kept");
        assert_eq!(doc["acl"]["a"]["note"], "n", "entry keys kept");
        assert_eq!(doc["acl"]["a"]["allowed_actions"], json!(["f", "g"]));
    }

    #[test]
    fn a_non_object_document_is_refused() {
        let e = PolicyData::from_json("[1]").unwrap_err().to_string();
        assert!(e.contains("must be a JSON object"), "{e}");
    }

    #[test]
    fn a_refused_document_says_which_kind_of_error() {
        let not_object = PolicyData::from_json("[1]").unwrap_err();
        assert!(
            matches!(not_object, PolicyDataError::NotAnObject("an array")),
            "{not_object:?}"
        );
        let not_json = PolicyData::from_json("{").unwrap_err();
        assert!(matches!(not_json, PolicyDataError::Json(_)), "{not_json:?}");
    }

    #[test]
    fn absent_policy_version_reads_empty_and_stays_absent() {
        let d = PolicyData::from_json(r#"{"acl":{}}"#).unwrap();
        assert_eq!(d.policy_version(), "");
        assert!(!d.document().contains_key("policy_version"));
    }
}
