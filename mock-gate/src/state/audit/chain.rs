//! The hash chain: each event's `prev_hash` is `sha256:` + hex SHA-256 of the previous event's
//! JCS (RFC 8785) form, the first event's is `null`; verification walks insertion order.

use serde_json::Value;

/// `sha256:<hex>` of the event's canonical form (`None` for values JCS refuses).
pub fn event_hash(event: &Value) -> Option<String> {
    crate::crypto::request_hash(event)
}

/// `/v1/audit/verify` numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Events walked (up to and including the first broken one).
    pub total_events: usize,
    /// Events whose `prev_hash` matched.
    pub verified_links: usize,
    /// Trace id of the first event whose `prev_hash` did not match.
    pub broken_at: Option<String>,
}

/// Walks `events` oldest first. `anchor` is the hash the first retained event must carry
/// (`None` when nothing was ever evicted).
pub fn walk<V: std::borrow::Borrow<Value>>(
    anchor: Option<&str>,
    events: impl Iterator<Item = V>,
) -> ChainReport {
    let mut expected: Option<String> = anchor.map(str::to_string);
    let mut report = ChainReport {
        total_events: 0,
        verified_links: 0,
        broken_at: None,
    };
    for ev in events {
        let ev = ev.borrow();
        report.total_events += 1;
        let prev = ev.get("prev_hash").and_then(Value::as_str);
        if prev != expected.as_deref() {
            report.broken_at = Some(
                ev.get("trace_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            );
            return report;
        }
        report.verified_links += 1;
        expected = event_hash(ev);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chained(n: usize) -> Vec<Value> {
        let mut out: Vec<Value> = Vec::new();
        for i in 0..n {
            let prev = out.last().and_then(event_hash);
            out.push(json!({"trace_id": format!("t{i}"), "prev_hash": prev}));
        }
        out
    }

    #[test]
    fn intact_chain_verifies_every_link() {
        let r = walk(None, chained(3).iter());
        assert_eq!(
            (r.total_events, r.verified_links, r.broken_at),
            (3, 3, None)
        );
    }

    #[test]
    fn altered_event_breaks_the_next_link() {
        let mut evs = chained(3);
        evs[1]["principal"] = json!("tampered");
        let r = walk(None, evs.iter());
        assert_eq!(r.broken_at.as_deref(), Some("t2"), "report: {r:?}");
        assert_eq!((r.total_events, r.verified_links), (3, 2));
    }

    #[test]
    fn first_event_must_match_the_anchor() {
        let evs = chained(2);
        let r = walk(Some("sha256:other"), evs.iter());
        assert_eq!(r.broken_at.as_deref(), Some("t0"), "report: {r:?}");
    }
}
