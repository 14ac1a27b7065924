//! `/metrics`: the gate's metric families, registered and encoded by `prometheus-client` 0.24
//! (the gate's exporter) under the gate's names, help texts, labels and buckets, in its
//! registration order. So the exposition is the gate's: `# HELP`/`# TYPE` per family, counters
//! registered with a `_total` name sampled as `…_total_total`, unlabelled metrics always listed,
//! a labelled family only once it has a sample, `# EOF`. What nothing in the mock produces
//! (provider timeouts, audit write failures, intents, webhooks, readyz degradation, ledger write
//! durations) stays at zero, as on a quiet gate.

use std::sync::RwLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    action: String,
    decision: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    decision: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    action: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProviderErrorLabels {
    action: String,
    error_type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
}

type Durations<L> = Family<L, Histogram, fn() -> Histogram>;

fn duration_histogram() -> Histogram {
    Histogram::new([0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0])
}

/// Registers each `(name, help) => metric;` in the order written (the gate's order).
macro_rules! register {
    ($registry:expr, $(($name:literal, $help:literal) => $metric:expr;)*) => {
        $($registry.register($name, $help, $metric);)*
    };
}

/// One registry and the families the mock updates.
struct Families {
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    dpop_rejects: Family<ReasonLabels, Counter>,
    decisions: Family<DecisionLabels, Counter>,
    provider_errors: Family<ProviderErrorLabels, Counter>,
    action_duration: Durations<ActionLabels>,
    schema_violations: Family<ActionLabels, Counter>,
    opa_duration: Durations<OperationLabels>,
    redis_duration: Durations<OperationLabels>,
    coarse_clock: Gauge,
}

impl Families {
    fn new() -> Self {
        let f = Self {
            registry: Registry::default(),
            calls: Family::default(),
            dpop_rejects: Family::default(),
            decisions: Family::default(),
            provider_errors: Family::default(),
            action_duration: Family::new_with_constructor(duration_histogram),
            schema_violations: Family::default(),
            opa_duration: Family::new_with_constructor(duration_histogram),
            redis_duration: Family::new_with_constructor(duration_histogram),
            coarse_clock: Gauge::default(),
        };
        f.registered()
    }

    fn registered(mut self) -> Self {
        register!(
            self.registry,
            ("latchgate_calls_total", "Total action calls")
                => self.calls.clone();
            ("latchgate_dpop_rejects_total", "DPoP proof rejections")
                => self.dpop_rejects.clone();
            ("latchgate_policy_decisions_total", "OPA policy decisions")
                => self.decisions.clone();
            ("latchgate_budget_exhausted_total", "Budget exhaustion events")
                => Counter::<u64>::default();
            ("latchgate_budget_rollback_failures_total", "Budget rollback failures (orphaned debits requiring reconciliation)")
                => Counter::<u64>::default();
            ("latchgate_provider_timeouts_total", "Provider execution timeouts")
                => Family::<ActionLabels, Counter>::default();
            ("latchgate_provider_errors_total", "Provider execution errors")
                => self.provider_errors.clone();
            ("latchgate_action_duration_seconds", "Tool execution duration in seconds")
                => self.action_duration.clone();
            ("latchgate_audit_write_errors_total", "Audit ledger write failures (events may be lost)")
                => Counter::<u64>::default();
            ("latchgate_response_schema_violations_total", "Tool responses that failed schema validation")
                => self.schema_violations.clone();
            ("latchgate_unresolved_intents", "Execution intents without matching receipts")
                => Gauge::<i64>::default();
            ("latchgate_oldest_pending_approval_seconds", "Age of the oldest pending approval in seconds")
                => Gauge::<i64>::default();
            ("latchgate_webhook_outbox_pending", "Webhook outbox entries awaiting delivery")
                => Gauge::<i64>::default();
            ("latchgate_ledger_write_duration_seconds", "Ledger write duration (events, receipts, intents)")
                => duration_histogram();
            ("latchgate_opa_request_duration_seconds", "OPA policy evaluation request duration")
                => self.opa_duration.clone();
            ("latchgate_redis_request_duration_seconds", "Redis request duration (replay cache, budget manager)")
                => self.redis_duration.clone();
            ("latchgate_readyz_degraded_total", "Readyz degraded events by reason")
                => Family::<ReasonLabels, Counter>::default();
            ("latchgate_webhook_drops_total", "Webhook events dropped due to full channel (async mode)")
                => Counter::<u64>::default();
            ("latchgate_coarse_clock_unix_seconds", "Most recent second published by the coarse-clock ticker (stalls if it stops advancing)")
                => self.coarse_clock.clone();
        );
        self
    }
}

/// The gate's metrics.
pub struct Metrics {
    f: RwLock<Families>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            f: RwLock::new(Families::new()),
        }
    }
}

impl Metrics {
    fn with<R>(&self, g: impl FnOnce(&Families) -> R) -> R {
        g(&self.f.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// One execute outcome by action (`allow`, `allow_unverified`, `deny`, `error`,
    /// `pending_approval`, `rate_limited`).
    pub fn call(&self, action: &str, decision: &str) {
        self.with(|f| {
            f.calls
                .get_or_create(&CallLabels {
                    action: action.into(),
                    decision: decision.into(),
                })
                .inc()
        });
    }

    /// One refused DPoP proof by reason.
    pub fn dpop_reject(&self, reason: &str) {
        self.with(|f| {
            f.dpop_rejects
                .get_or_create(&ReasonLabels {
                    reason: reason.into(),
                })
                .inc()
        });
    }

    /// One policy decision (`allow`, `allow_unverified`, `deny`, `error`, `pending_approval`).
    pub fn decision(&self, decision: &str) {
        self.with(|f| {
            f.decisions
                .get_or_create(&DecisionLabels {
                    decision: decision.into(),
                })
                .inc()
        });
    }

    /// One provider failure: its type and the execution's duration.
    pub fn provider_error(&self, action: &str, error_type: &str) {
        self.with(|f| {
            f.provider_errors
                .get_or_create(&ProviderErrorLabels {
                    action: action.into(),
                    error_type: error_type.into(),
                })
                .inc()
        });
    }

    /// Duration of one execution (success or provider failure).
    pub fn action_duration(&self, action: &str, d: Duration) {
        self.with(|f| {
            f.action_duration
                .get_or_create(&ActionLabels {
                    action: action.into(),
                })
                .observe(d.as_secs_f64())
        });
    }

    /// One provider response refused by the response schema.
    pub fn schema_violation(&self, action: &str) {
        self.with(|f| {
            f.schema_violations
                .get_or_create(&ActionLabels {
                    action: action.into(),
                })
                .inc()
        });
    }

    /// One policy evaluation (`operation` = `evaluate`).
    pub fn policy_duration(&self, d: Duration) {
        self.with(|f| observe(&f.opa_duration, "evaluate", d));
    }

    /// One budget/replay store operation (`replay_check`, `budget_init`, `budget_debit`,
    /// `budget_rollback`): the gate times them under the Redis family whatever the backend.
    pub fn store_duration(&self, operation: &str, d: Duration) {
        self.with(|f| observe(&f.redis_duration, operation, d));
    }

    /// The exposition; the coarse clock shows the current second of `now_unix`.
    pub fn render(&self, now_unix: i64) -> String {
        self.with(|f| {
            f.coarse_clock.set(now_unix);
            let mut s = String::new();
            // Writing into a String cannot fail.
            let _ = prometheus_client::encoding::text::encode(&mut s, &f.registry);
            s
        })
    }

    /// Zeroes everything.
    pub fn clear(&self) {
        *self.f.write().unwrap_or_else(|e| e.into_inner()) = Families::new();
    }
}

fn observe(family: &Durations<OperationLabels>, operation: &str, d: Duration) {
    family
        .get_or_create(&OperationLabels {
            operation: operation.into(),
        })
        .observe(d.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_registered_with_total_are_sampled_with_total_total() {
        let m = Metrics::default();
        m.call("fs_read", "allow");
        let text = m.render(0);
        assert!(text.contains("# HELP latchgate_calls_total Total action calls.\n# TYPE latchgate_calls_total counter\n"), "{text}");
        assert!(
            text.contains("latchgate_calls_total_total{action=\"fs_read\",decision=\"allow\"} 1\n"),
            "{text}"
        );
    }

    #[test]
    fn an_idle_exposition_lists_only_the_nine_unlabelled_families() {
        let text = Metrics::default().render(0);
        let families = text.lines().filter(|l| l.starts_with("# TYPE ")).count();
        assert_eq!(families, 9, "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}
