//! The gate's state from a builder: actions, policy, keys, stores; and reload from the
//! configured sources.

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::RwLock;
use std::time::Instant;

use crate::actions::{entry_with_default_provider, Registry};
use crate::auth::dpop::KeyCache;
use crate::auth::lease::LeaseIssuer;
use crate::auth::replay::ReplayCache;
use crate::control::faults::Faults;
use crate::control::journal::Journal;
use crate::policy::{load, PolicyData, PolicyStore};
use crate::state::approvals::ApprovalStore;
use crate::state::budgets::BudgetStore;
use crate::state::metrics::Metrics;
use crate::state::ratelimit::RateLimiter;
use crate::state::receipts::{ReceiptSigner, ReceiptStore};
use crate::state::{GateState, Limiters};

use super::MockGateBuilder;
use super::StartError;

fn load_registry(b: &MockGateBuilder) -> Result<Registry, StartError> {
    let mut reg = Registry::new();
    let base = match &b.settings.actions_dir {
        Some(dir) => {
            crate::config::quickstart::load_actions_dir(dir).map_err(StartError::Config)?
        }
        None if b.quickstart => crate::config::quickstart::quickstart_actions(),
        None => Vec::new(),
    };
    for a in base {
        reg.insert(a.spec.action_id.clone(), entry_with_default_provider(a));
    }
    for e in &b.extra {
        reg.insert(e.action.spec.action_id.clone(), e.clone());
    }
    Ok(reg)
}

/// The Rego modules (built-in or `policy_dir`) over the data (builder, `policy_file`,
/// `policy_dir/data.json`, the quickstart's, or empty — first present), compiled.
fn load_policy(b: &MockGateBuilder) -> Result<PolicyStore, StartError> {
    let (modules, dir_data) = match &b.settings.policy_dir {
        Some(dir) => {
            let d = load::load_dir(dir).map_err(StartError::PolicyLoad)?;
            (d.modules, d.data)
        }
        None => (load::quickstart_modules(), None),
    };
    let mut p = match (&b.policy, &b.settings.policy_file, dir_data) {
        (Some(p), _, _) => p.clone(),
        (None, Some(f), _) => load::read_data(f).map_err(StartError::PolicyLoad)?,
        (None, None, Some(d)) => d,
        (None, None, None) if b.quickstart && b.settings.policy_dir.is_none() => {
            crate::policy::load::quickstart_data()
        }
        (None, None, None) => PolicyData::default(),
    };
    for (who, actions, sinks) in &b.grants {
        let a: Vec<&str> = actions.iter().map(String::as_str).collect();
        let s: Vec<&str> = sinks.iter().map(String::as_str).collect();
        p.grant(who, &a, &s);
    }
    PolicyStore::new(&modules, p).map_err(StartError::Policy)
}

pub(super) fn build_state(b: &MockGateBuilder) -> Result<GateState, StartError> {
    let registry = load_registry(b)?;
    let policy = load_policy(b)?;
    let clock = b.clock.clone().unwrap_or_default();
    let rl = b.settings.rate_limits;
    let caps = b.settings.caps;
    Ok(GateState {
        issuer: LeaseIssuer::generate(caps.verified_leases).map_err(StartError::Config)?,
        replay: ReplayCache::new(b.settings.replay_capacity),
        key_cache: KeyCache::default(),
        initial_registry: registry.clone(),
        registry: RwLock::new(registry),
        policy,
        learned: crate::state::learned_rules::LearnedStore::new(caps.learned_rows),
        budgets: BudgetStore::default(),
        approvals: ApprovalStore::new(caps.approvals),
        receipts: ReceiptStore::new(caps.receipts),
        signer: ReceiptSigner::generate(clock.now_utc()),
        draining: AtomicBool::new(false),
        epoch: AtomicU64::new(0),
        started: Instant::now(),
        session_fs_roots: crate::state::fs_roots::SessionFsRoots::new(caps.session_fs_roots),
        limiters: Limiters {
            lease: RateLimiter::new(rl.lease_rps, clock.clone()),
            execute_session: RateLimiter::new(rl.execute_session_rps, clock.clone()),
            execute_peer: RateLimiter::new(rl.execute_peer_rps, clock.clone()),
            operator_read: RateLimiter::new(rl.operator_read_rps, clock.clone()),
            operator_write: RateLimiter::new(rl.operator_write_rps, clock.clone()),
        },
        journal: Journal::new(caps.journal),
        faults: Faults::default(),
        metrics: Metrics::default(),
        in_flight: AtomicU64::new(0),
        audit: crate::state::audit::AuditLedger::new(caps.audit_events),
        clock,
        settings: b.settings.clone(),
    })
}
