//! `GET /v1/audit/events` query: exact-match columns, `after`/`before` compared as text against
//! the timestamp (exclusive), `limit` default 100 clamped to 1..=1000.

use serde::Deserialize;
#[cfg(test)]
use serde_json::Value;

/// Default number of events returned.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest page.
pub const MAX_LIMIT: usize = 1000;

/// The query string, as the gate's `EventFilter` (unknown keys ignored, a repeated key or a
/// non-integer `limit` rejected by the extractor).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct EventFilter {
    /// Exact trace id.
    pub trace_id: Option<String>,
    /// Exact event type name.
    pub event_type: Option<String>,
    /// Exact action id.
    pub action_id: Option<String>,
    /// Exact principal.
    pub principal: Option<String>,
    /// Exact session id.
    pub session_id: Option<String>,
    /// Exact decision name.
    pub decision: Option<String>,
    /// Timestamps strictly greater (text comparison).
    pub after: Option<String>,
    /// Timestamps strictly smaller (text comparison).
    pub before: Option<String>,
    /// Page size.
    pub limit: Option<usize>,
}

impl EventFilter {
    /// The effective page size.
    pub fn limit(&self) -> usize {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    /// Whether a stored event passes every given condition.
    #[cfg(test)]
    pub fn matches(&self, ev: &Value) -> bool {
        self.matches_with(|k| ev.get(k).and_then(Value::as_str).unwrap_or_default())
    }

    /// Whether an event whose string columns `field` reads passes every given condition.
    pub fn matches_with<'a>(&self, field: impl Fn(&str) -> &'a str) -> bool {
        let exact = [
            (&self.trace_id, "trace_id"),
            (&self.event_type, "event_type"),
            (&self.action_id, "action_id"),
            (&self.principal, "principal"),
            (&self.session_id, "session_id"),
            (&self.decision, "decision"),
        ];
        let ts = field("timestamp");
        exact
            .iter()
            .all(|(want, k)| want.as_deref().is_none_or(|w| field(k) == w))
            && self.after.as_deref().is_none_or(|a| ts > a)
            && self.before.as_deref().is_none_or(|b| ts < b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limit_defaults_to_100_and_clamps_to_1_and_1000() {
        let with = |l| EventFilter {
            limit: l,
            ..Default::default()
        };
        assert_eq!(with(None).limit(), 100);
        assert_eq!(with(Some(0)).limit(), 1);
        assert_eq!(with(Some(5000)).limit(), 1000);
    }

    #[test]
    fn after_and_before_compare_timestamps_as_text_exclusively() {
        let ev = json!({"timestamp": "2026-01-01T00:00:00.500Z"});
        let f = |a: Option<&str>, b: Option<&str>| EventFilter {
            after: a.map(str::to_string),
            before: b.map(str::to_string),
            ..Default::default()
        };
        assert!(
            f(Some("2026"), None).matches(&ev),
            "text greater than a prefix"
        );
        assert!(
            !f(Some("2026-01-01T00:00:00.500Z"), None).matches(&ev),
            "after is exclusive"
        );
        assert!(
            !f(None, Some("2026-01-01T00:00:00.500Z")).matches(&ev),
            "before is exclusive"
        );
    }

    #[test]
    fn empty_value_matches_only_empty_fields() {
        let f = EventFilter {
            principal: Some(String::new()),
            ..Default::default()
        };
        assert!(f.matches(&json!({"principal": ""})));
        assert!(!f.matches(&json!({"principal": "agent"})));
    }
}
