//! JSON values built from fuzz input, biased towards the names and values the gate reads.

use arbitrary::Arbitrary;
use serde_json::{Map, Value};

/// Member names and string values the gate's parsers look at.
pub const WORDS: &[&str] = &[
    "path",
    "url",
    "content",
    "operation",
    "read",
    "write",
    "append",
    "README.md",
    "notes/todo.md",
    "notes/new.md",
    "../etc/passwd",
    "/etc/passwd",
    "notes/../../x",
    "https://httpbin.org/get",
    "http://127.0.0.1:3000/",
    "https://api.github.com/x",
    "http://[::1]:80/",
    "scopes",
    "tools:call",
    "audit:read",
    "dpop_jwk",
    "kty",
    "EC",
    "crv",
    "P-256",
    "x",
    "y",
    "budgets",
    "max_calls",
    "fs_root",
    "jti",
    "htm",
    "htu",
    "iat",
    "ath",
    "typ",
    "dpop+jwt",
    "alg",
    "ES256",
    "none",
    "jwk",
    "d",
    "kid",
    "sub",
    "exp",
    "nbf",
    "iss",
    "aud",
    "latchgate",
    "scope",
    "cnf",
    "jkt",
    "session_id",
    "owner",
    "reason",
    "status",
    "limit",
    "pending",
    "approved",
    "denied",
    "expired",
    "domain",
    "domains",
    "paths",
    "action_id",
    "principal",
    "allowed_actions",
    "allowed_sinks",
    "actions",
    "sinks",
    "fs_read",
    "fs_write",
    "http_fetch",
    "http_post",
    "*",
    "method",
    "body",
    "headers",
    "learn_domain",
    "learn_path",
    "trace_id",
    "event_type",
    "decision",
    "after",
    "before",
    "POST",
    "GET",
    "http://localhost:3000/v1/leases",
    "",
    "content_base64",
    "eA==",
    "docs/new.md",
    "src/**",
    "mode",
    "create",
    "overwrite",
    "expected_before_hash",
    "docs/.env",
];

/// A word of [`WORDS`] or any text.
#[derive(Arbitrary, Debug, Clone)]
pub enum Text {
    /// An index into [`WORDS`].
    Word(u8),
    /// Anything.
    Raw(String),
}

impl Text {
    /// The text.
    pub fn get(&self) -> String {
        match self {
            Text::Word(i) => WORDS[*i as usize % WORDS.len()].to_string(),
            Text::Raw(s) => s.clone(),
        }
    }
}

/// A JSON value.
#[derive(Arbitrary, Debug, Clone)]
pub enum Json {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A float (NaN and infinities become `null`).
    Float(f64),
    /// A string.
    Str(Text),
    /// An array.
    Arr(Vec<Json>),
    /// An object.
    Obj(Vec<(Text, Json)>),
}

const MAX_DEPTH: usize = 12;

impl Json {
    /// The value (nesting deeper than 12 becomes `null`).
    pub fn value(&self) -> Value {
        self.at(0)
    }

    fn at(&self, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(i) => Value::from(*i),
            Json::UInt(u) => Value::from(*u),
            Json::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Json::Str(t) => Value::String(t.get()),
            Json::Arr(items) => Value::Array(items.iter().map(|j| j.at(depth + 1)).collect()),
            Json::Obj(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.get(), v.at(depth + 1)))
                    .collect::<Map<String, Value>>(),
            ),
        }
    }
}

/// One change to a JSON object.
#[derive(Arbitrary, Debug, Clone)]
pub enum Edit {
    /// Sets a member.
    Set(Text, Json),
    /// Removes a member.
    Remove(Text),
    /// Sets a member of an object member (created if missing or not an object).
    SetIn(Text, Text, Json),
    /// Replaces the whole value.
    Replace(Json),
}

/// Applies `edits` in order.
pub fn apply(mut value: Value, edits: &[Edit]) -> Value {
    for e in edits {
        match e {
            Edit::Replace(j) => value = j.value(),
            Edit::Set(k, v) => {
                if let Some(o) = value.as_object_mut() {
                    o.insert(k.get(), v.value());
                }
            }
            Edit::Remove(k) => {
                if let Some(o) = value.as_object_mut() {
                    o.remove(&k.get());
                }
            }
            Edit::SetIn(outer, k, v) => {
                if let Some(o) = value.as_object_mut() {
                    let inner = o
                        .entry(outer.get())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if !inner.is_object() {
                        *inner = Value::Object(Map::new());
                    }
                    if let Some(i) = inner.as_object_mut() {
                        i.insert(k.get(), v.value());
                    }
                }
            }
        }
    }
    value
}
