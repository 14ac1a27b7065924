//! The gate's state from a builder: actions, policy, keys, stores; and reload from the
//! configured sources.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Mutex, RwLock};
use std::time::Instant;

use crate::approvals::ApprovalStore;
use crate::budgets::BudgetStore;
use crate::dpop::KeyCache;
use crate::faults::Faults;
use crate::journal::Journal;
use crate::lease::LeaseIssuer;
use crate::metrics::Metrics;
use crate::policy::PolicyData;
use crate::ratelimit::RateLimiter;
use crate::receipts::{ReceiptSigner, ReceiptStore};
use crate::replay::ReplayCache;
use crate::state::{entry_with_default_provider, ActionEntry, GateState, Limiters, Registry};

use super::builder::MockGateBuilder;
use super::StartError;

fn load_registry(b: &MockGateBuilder) -> Result<Registry, StartError> {
    let mut reg = Registry::new();
    let base = match &b.settings.actions_dir {
        Some(dir) => crate::fixtures::load_actions_dir(dir).map_err(StartError::Config)?,
        None if b.quickstart => crate::fixtures::quickstart_actions(),
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

fn load_policy(b: &MockGateBuilder) -> Result<PolicyData, StartError> {
    let mut p = match (&b.policy, &b.settings.policy_file) {
        (Some(p), _) => p.clone(),
        (None, Some(f)) => read_policy(f).map_err(StartError::Config)?,
        (None, None) if b.quickstart => crate::fixtures::quickstart_policy(),
        (None, None) => PolicyData::default(),
    };
    for (who, actions, sinks) in &b.grants {
        let a: Vec<&str> = actions.iter().map(String::as_str).collect();
        let s: Vec<&str> = sinks.iter().map(String::as_str).collect();
        p.grant(who, &a, &s);
    }
    Ok(p)
}

fn read_policy(f: &Path) -> Result<PolicyData, String> {
    let text = std::fs::read_to_string(f)
        .map_err(|e| format!("cannot read policy file {}: {e}", f.display()))?;
    PolicyData::from_json(&text).map_err(|e| format!("{}: {e}", f.display()))
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
        initial_policy: policy.clone(),
        policy: RwLock::new(policy),
        learned: crate::learned::LearnedStore::new(caps.learned_rows),
        budgets: BudgetStore::default(),
        approvals: ApprovalStore::new(caps.approvals),
        receipts: ReceiptStore::new(caps.receipts),
        signer: ReceiptSigner::generate(clock.now_utc()),
        draining: AtomicBool::new(false),
        epoch: AtomicU64::new(0),
        started: Instant::now(),
        session_fs_roots: Mutex::new(Default::default()),
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
        audit: crate::audit::AuditLedger::new(caps.audit_events),
        clock,
        settings: b.settings.clone(),
    })
}

/// `/v1/admin/reload`: re-reads the actions dir and policy file when configured.
pub fn reload_from_sources(st: &GateState) -> Result<(), String> {
    if let Some(dir) = &st.settings.actions_dir {
        let actions = crate::fixtures::load_actions_dir(dir)?;
        let mut reg: BTreeMap<String, ActionEntry> = BTreeMap::new();
        for a in actions {
            reg.insert(a.spec.action_id.clone(), entry_with_default_provider(a));
        }
        *st.registry.write().unwrap_or_else(|e| e.into_inner()) = reg;
    }
    if let Some(f) = &st.settings.policy_file {
        *st.policy.write().unwrap_or_else(|e| e.into_inner()) = read_policy(f)?;
    }
    Ok(())
}
