//! Counters exposed on `/metrics` in OpenMetrics text.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Labelled counters.
#[derive(Debug, Default)]
pub struct Metrics {
    calls: Mutex<BTreeMap<(String, String), u64>>,
    dpop_rejects: Mutex<BTreeMap<String, u64>>,
    decisions: Mutex<BTreeMap<String, u64>>,
}

fn bump<K: Ord>(m: &Mutex<BTreeMap<K, u64>>, k: K) {
    *m.lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(k)
        .or_insert(0) += 1;
}

impl Metrics {
    /// One execute outcome (`allow`, `deny`, `pending_approval`, `rate_limited`, …).
    pub fn call(&self, action_id: &str, outcome: &str) {
        bump(&self.calls, (action_id.to_string(), outcome.to_string()));
    }

    /// One refused DPoP proof by reject kind.
    pub fn dpop_reject(&self, kind: &str) {
        bump(&self.dpop_rejects, kind.to_string());
    }

    /// One policy decision.
    pub fn decision(&self, decision: &str) {
        bump(&self.decisions, decision.to_string());
    }

    /// OpenMetrics exposition.
    pub fn render(&self) -> String {
        let mut s = String::new();
        s.push_str(
            "# TYPE latchgate_calls counter\n# HELP latchgate_calls Action calls by outcome.\n",
        );
        for ((a, o), n) in self.calls.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            s.push_str(&format!(
                "latchgate_calls_total{{action_id=\"{a}\",outcome=\"{o}\"}} {n}\n"
            ));
        }
        s.push_str("# TYPE latchgate_dpop_rejects counter\n# HELP latchgate_dpop_rejects Refused DPoP proofs by kind.\n");
        for (k, n) in self
            .dpop_rejects
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            s.push_str(&format!(
                "latchgate_dpop_rejects_total{{kind=\"{k}\"}} {n}\n"
            ));
        }
        s.push_str("# TYPE latchgate_policy_decisions counter\n# HELP latchgate_policy_decisions Policy decisions.\n");
        for (d, n) in self
            .decisions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            s.push_str(&format!(
                "latchgate_policy_decisions_total{{decision=\"{d}\"}} {n}\n"
            ));
        }
        s.push_str("# EOF\n");
        s
    }

    /// Zeroes everything.
    pub fn clear(&self) {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.dpop_rejects
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.decisions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
