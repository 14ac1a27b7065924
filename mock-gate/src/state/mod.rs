//! Shared state of one mock gate.

pub mod approvals;
pub mod audit;
pub mod budgets;
pub mod caller;
pub mod fs_roots;
pub mod learned_rules;
pub mod metrics;
pub mod ratelimit;
pub mod receipts;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use crate::actions::{ActionEntry, Registry};
use crate::auth::dpop::KeyCache;
use crate::auth::lease::LeaseIssuer;
use crate::auth::replay::ReplayCache;
use crate::config::settings::GateSettings;
use crate::control::clock::VirtualClock;
use crate::control::faults::Faults;
use crate::control::journal::Journal;
use crate::policy::PolicyStore;
use crate::state::approvals::ApprovalStore;
use crate::state::budgets::BudgetStore;
use crate::state::learned_rules::LearnedStore;
use crate::state::metrics::Metrics;
use crate::state::ratelimit::RateLimiter;
use crate::state::receipts::{ReceiptSigner, ReceiptStore};

/// Rate limiters.
#[derive(Debug)]
pub struct Limiters {
    /// Global lease bucket (key "").
    pub lease: RateLimiter,
    /// Execute per session.
    pub execute_session: RateLimiter,
    /// Execute per peer.
    pub execute_peer: RateLimiter,
    /// Gate-wide operator read bucket (key "").
    pub operator_read: RateLimiter,
    /// Gate-wide operator write bucket (key "").
    pub operator_write: RateLimiter,
}

/// Everything one gate holds.
#[derive(Debug)]
pub struct GateState {
    /// Fixed settings.
    pub settings: GateSettings,
    /// Virtual clock.
    pub clock: Arc<VirtualClock>,
    /// Lease signer/verifier.
    pub issuer: LeaseIssuer,
    /// Replay cache shared by agents and operators.
    pub replay: ReplayCache,
    /// Key cache (only with the lax switch).
    pub key_cache: KeyCache,
    /// Registered actions.
    pub registry: RwLock<Registry>,
    /// Registry at start (for reset/reload).
    pub initial_registry: Registry,
    /// Policy data and the compiled policy.
    pub policy: PolicyStore,
    /// Learned domains and path globs with provenance.
    pub learned: LearnedStore,
    /// Budgets.
    pub budgets: BudgetStore,
    /// Approvals.
    pub approvals: ApprovalStore,
    /// Receipts.
    pub receipts: ReceiptStore,
    /// Receipt signing key.
    pub signer: ReceiptSigner,
    /// Drain flag (irreversible except by the control API's reset).
    pub draining: AtomicBool,
    /// Revocation epoch.
    pub epoch: AtomicU64,
    /// Start time.
    pub started: Instant,
    /// Accepted per-lease fs roots.
    pub session_fs_roots: crate::state::fs_roots::SessionFsRoots,
    /// Rate limiters.
    pub limiters: Limiters,
    /// Request journal.
    pub journal: Journal,
    /// Faults.
    pub faults: Faults,
    /// Metrics.
    pub metrics: Metrics,
    /// Executions in flight.
    pub in_flight: AtomicU64,
    /// Audit ledger.
    pub audit: crate::state::audit::AuditLedger,
}

impl GateState {
    /// `/v1/admin/reload`: re-reads the actions dir and the policy data (file, or the policy dir's
    /// `data.json`) when configured; as the gate, Rego changes need a restart.
    pub fn reload_from_sources(&self) -> Result<(), String> {
        if let Some(dir) = &self.settings.actions_dir {
            let actions = crate::config::quickstart::load_actions_dir(dir)?;
            let mut reg = Registry::new();
            for a in actions {
                reg.insert(
                    a.spec.action_id.clone(),
                    crate::actions::entry_with_default_provider(a),
                );
            }
            *self.registry.write().unwrap_or_else(|e| e.into_inner()) = reg;
        }
        let data_file = self.settings.policy_file.clone().or_else(|| {
            let dir = self.settings.policy_dir.as_ref()?;
            Some(dir.join("data.json")).filter(|f| f.is_file())
        });
        if let Some(f) = data_file {
            let data = crate::policy::load::read_data(&f).map_err(|e| e.to_string())?;
            self.policy.replace(data).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Current virtual time (Unix ms).
    pub fn now_ms(&self) -> i64 {
        self.clock.now_unix_ms()
    }

    /// Virtual time to the nanosecond, rendered as the gate renders its record timestamps.
    pub fn now_rfc3339_nanos(&self) -> String {
        crate::control::clock::rfc3339_nanos(self.clock.now_precise())
    }

    /// Now, for the approval store.
    pub fn stamp(&self) -> crate::state::approvals::Stamp {
        crate::state::approvals::Stamp::at(self.clock.now_precise())
    }

    /// Looks up an action.
    pub fn action(&self, id: &str) -> Option<ActionEntry> {
        self.registry
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// Whether the gate drains.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// `public_base_url` without trailing slashes, + `path`.
    pub fn htu(&self, path: &str) -> String {
        format!(
            "{}{}",
            self.settings.public_base_url.trim_end_matches('/'),
            path
        )
    }

    /// fs root for a session: the lease's `fs_root`, else the gate's.
    pub fn fs_root_for(&self, session_id: &str) -> Option<PathBuf> {
        self.session_fs_roots
            .get(session_id, self.now_ms())
            .or_else(|| self.settings.fs_root.clone())
    }

    /// Learned domains of an action.
    pub fn learned_domains_of(&self, action_id: &str) -> Vec<String> {
        self.learned.domains.values(action_id)
    }

    /// Back to the state at start (keys, listeners and settings stay).
    pub fn reset(&self) {
        *self.registry.write().unwrap_or_else(|e| e.into_inner()) = self.initial_registry.clone();
        self.policy.reset();
        self.learned.clear();
        self.session_fs_roots.clear();
        self.replay.clear();
        self.key_cache.clear();
        self.budgets.clear();
        self.approvals.clear();
        self.receipts.clear();
        self.draining.store(false, Ordering::Release);
        self.epoch.store(0, Ordering::Release);
        self.limiters.lease.clear();
        self.limiters.execute_session.clear();
        self.limiters.execute_peer.clear();
        self.limiters.operator_read.clear();
        self.limiters.operator_write.clear();
        self.journal.clear();
        self.faults.clear();
        self.metrics.clear();
        self.audit.clear();
        self.clock.reset();
    }
}
