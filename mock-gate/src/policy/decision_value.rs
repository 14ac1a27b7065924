//! Reading the decision straight from the `regorus` value, without its JSON text.
//!
//! The gate serializes the value to JSON and deserializes the text into the decision fields.
//! [`read`] gives the same fields for the values whose round trip is plain: every object key a
//! string, every number one JSON can print, nothing undefined, nesting well below serde_json's
//! recursion limit, and the fields the gate reads of exactly their type. For any other value it
//! answers `None` and the caller takes the JSON path, which then yields the gate's own result
//! (an error message included).

use std::collections::BTreeMap;

use regorus::Value;

use super::decision::Raw;
use super::input::Budgets;
use crate::actions::manifest::EgressProfile;

/// Deeper values go through JSON (serde_json refuses more than 128 levels).
const MAX_DEPTH: usize = 64;

/// The decision fields of `v`, or `None` when only the JSON round trip decides them.
pub(super) fn read(v: &Value) -> Option<Raw> {
    let Value::Object(fields) = v else {
        return None;
    };
    if !prints_plainly(v, MAX_DEPTH) {
        return None;
    }
    Some(Raw {
        allow: boolean(fields.get(&Value::from("allow"))?)?,
        deny_reason: optional(fields, "deny_reason", string)?,
        requires_approval: match fields.get(&Value::from("requires_approval")) {
            None => false,
            Some(b) => boolean(b)?,
        },
        budgets_after: optional(fields, "budgets_after", budgets)?,
        allowed_sinks: optional(fields, "allowed_sinks", strings)?,
        approved_secrets: optional(fields, "approved_secrets", strings)?,
        approved_egress: optional(fields, "approved_egress", egress)?,
        policy_version: optional(fields, "policy_version", string)?,
    })
}

/// True when the JSON text of `v` is printed without error and parses back to the same shape.
fn prints_plainly(v: &Value, depth: usize) -> bool {
    match v {
        Value::Null | Value::Bool(_) | Value::String(_) => true,
        Value::Number(_) => json_number(v).is_some(),
        Value::Array(items) => depth > 0 && items.iter().all(|i| prints_plainly(i, depth - 1)),
        Value::Set(items) => depth > 0 && items.iter().all(|i| prints_plainly(i, depth - 1)),
        Value::Object(fields) => {
            depth > 0
                && fields
                    .iter()
                    .all(|(k, v)| matches!(k, Value::String(_)) && prints_plainly(v, depth - 1))
        }
        Value::Undefined => false,
    }
}

/// An `Option` field: absent or null is `None`; `Some(None)` when the value is not plainly `T`.
fn optional<T>(
    fields: &BTreeMap<Value, Value>,
    name: &str,
    read: impl Fn(&Value) -> Option<T>,
) -> Option<Option<T>> {
    match fields.get(&Value::from(name)) {
        None | Some(Value::Null) => Some(None),
        Some(v) => read(v).map(Some),
    }
}

fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

fn string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        _ => None,
    }
}

fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Array(items) => items.iter().map(string).collect(),
        _ => None,
    }
}

/// A number as regorus prints it into JSON (`None`: not a number, or printing fails).
fn json_number(v: &Value) -> Option<serde_json::Number> {
    match v {
        Value::Number(n) => n.format_decimal().parse().ok(),
        _ => None,
    }
}

/// An `i64` as serde_json reads it from the printed number.
fn integer(v: &Value) -> Option<i64> {
    json_number(v)?.as_i64()
}

fn budgets(v: &Value) -> Option<Budgets> {
    match v {
        Value::Object(fields) => Some(Budgets {
            calls_remaining: integer(fields.get(&Value::from("calls_remaining"))?)?,
        }),
        _ => None,
    }
}

/// `"none"` or `{"proxy_allowlist": {"allowed_domains": [..]}}`.
fn egress(v: &Value) -> Option<EgressProfile> {
    match v {
        Value::String(s) if s.as_ref() == "none" => Some(EgressProfile::None),
        Value::Object(tagged) if tagged.len() == 1 => {
            let Value::Object(body) = tagged.get(&Value::from("proxy_allowlist"))? else {
                return None;
            };
            Some(EgressProfile::ProxyAllowlist {
                allowed_domains: strings(body.get(&Value::from("allowed_domains"))?)?,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::policy::decision::{interpret, verdict_of};
    use crate::policy::Verdict;

    fn obj(fields: Vec<(&str, Value)>) -> Value {
        Value::from(
            fields
                .into_iter()
                .map(|(k, v)| (Value::from(k), v))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn through_json(v: &Value) -> Verdict {
        match v.to_json_str() {
            Ok(json) => interpret(&json, 5),
            Err(e) => Verdict::Invalid(format!("regorus result cannot be serialized: {e}")),
        }
    }

    fn grant(calls: Value, egress: Value) -> Value {
        obj(vec![
            ("allow", Value::from(true)),
            ("requires_approval", Value::from(false)),
            ("budgets_after", obj(vec![("calls_remaining", calls)])),
            ("allowed_sinks", Value::from(vec![Value::from("net:http")])),
            ("approved_secrets", Value::new_array()),
            ("approved_egress", egress),
            ("policy_version", Value::from("v1")),
        ])
    }

    fn allowlist() -> Value {
        let domains = obj(vec![(
            "allowed_domains",
            Value::from(vec![Value::from("a.b")]),
        )]);
        obj(vec![("proxy_allowlist", domains)])
    }

    #[test]
    fn a_plain_decision_reads_as_its_json_text() {
        let plain = [
            grant(Value::from(4u64), Value::from("none")),
            grant(Value::from(-3i64), allowlist()),
            grant(Value::from(3.0f64), Value::from("none")),
            obj(vec![("allow", Value::from(false))]),
            obj(vec![
                ("allow", Value::from(false)),
                ("deny_reason", Value::from("no \"way\" ✗")),
                ("extra", obj(vec![("n", Value::from(1.5f64))])),
            ]),
            obj(vec![
                ("allow", Value::from(true)),
                ("requires_approval", Value::from(true)),
                ("deny_reason", Value::Null),
            ]),
        ];
        for v in plain {
            let raw = read(&v).unwrap_or_else(|| panic!("{v:?} not read directly"));
            assert_eq!(verdict_of(raw, 5), through_json(&v), "{v:?}");
        }
    }

    #[test]
    fn a_decision_whose_json_is_not_plain_is_left_to_the_json_path() {
        let set = Value::from(BTreeSet::from([Value::from("net:http")]));
        let mut keyed = BTreeMap::new();
        keyed.insert(Value::from("allow"), Value::from(true));
        keyed.insert(Value::from(1u64), Value::from(true));
        let mut nested = Value::from(true);
        for _ in 0..200 {
            nested = Value::from(vec![nested]);
        }
        let not_plain = [
            grant(Value::from(3.5f64), Value::from("none")),
            grant(Value::from(-0.0f64), Value::from("none")),
            grant(Value::from(u64::MAX), Value::from("none")),
            grant(Value::from(f64::NAN), Value::from("none")),
            grant(Value::from(4u64), Value::from("proxy_allowlist")),
            obj(vec![("allow", Value::from(true)), ("allowed_sinks", set)]),
            obj(vec![("allow", Value::from(true)), ("x", Value::Undefined)]),
            obj(vec![("allow", Value::from(true)), ("x", nested)]),
            obj(vec![("allow", Value::Null)]),
            obj(vec![("deny_reason", Value::from("x"))]),
            Value::from(keyed),
            Value::from(vec![Value::from(true)]),
        ];
        for v in not_plain {
            assert!(read(&v).is_none(), "{v:?} read directly");
        }
    }
}
