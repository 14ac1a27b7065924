//! Tap rules: which requests the tap answers in the gate's place, drops, delays or rewrites.

use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// What the tap does with a matching request.
#[derive(Clone)]
pub enum Action {
    /// Answer in the gate's place.
    Respond {
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
        headers: Vec<(String, String)>,
    },
    /// Close the connection after reading the request, without forwarding it.
    DropBeforeGate,
    /// Forward the request, then close the connection without answering (the effect happened).
    DropAfterGate,
    /// Wait, then forward.
    Delay(Duration),
    /// Forward, then rewrite the JSON answer.
    Rewrite(Arc<dyn Fn(Value) -> Value + Send + Sync>),
}

/// A rule: requests whose method and path match get `action`, `times` times (None = always).
#[derive(Clone)]
pub struct Rule {
    method: Option<String>,
    path_contains: String,
    pub(super) times: Option<usize>,
    pub(super) action: Action,
}

impl Rule {
    /// Matches requests whose path contains `path_contains` (any method).
    pub fn on(path_contains: &str, action: Action) -> Self {
        Rule {
            method: None,
            path_contains: path_contains.into(),
            times: None,
            action,
        }
    }
    /// Only for this method.
    pub fn method(mut self, m: &str) -> Self {
        self.method = Some(m.into());
        self
    }
    /// Only the next `n` matching requests.
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }
    /// True when the rule applies to a request (the path without its query) and is not used up.
    pub(super) fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_ref().is_none_or(|m| m == method)
            && path.contains(&self.path_contains)
            && self.times != Some(0)
    }
}

/// A JSON answer in the gate's place.
pub fn respond_json(status: u16, body: Value) -> Action {
    Action::Respond {
        status,
        content_type: Some("application/json".into()),
        body: serde_json::to_vec(&body).expect("json"),
        headers: vec![],
    }
}

/// A raw answer with an optional content type.
pub fn respond_raw(status: u16, content_type: Option<&str>, body: &[u8]) -> Action {
    Action::Respond {
        status,
        content_type: content_type.map(str::to_string),
        body: body.to_vec(),
        headers: vec![],
    }
}
