//! The policy step of an execute: the input document from the call's facts, evaluated by the
//! gate's policy (the `SkipAcl` mutant evaluates over data granting the call).

use crate::actions::manifest::{CompiledAction, EgressProfile};
use crate::control::mutants::Mutant;
use crate::enforce::authenticate::AgentAuth;
use crate::policy::{Budgets, PolicyInput, Verdict};
use crate::state::approvals::Unresolved;
use crate::state::GateState;

/// What the prechecks found about one call.
#[derive(Debug, Clone, Copy)]
pub struct CallFacts<'a> {
    /// `sha256:` request hash.
    pub request_hash: &'a str,
    /// Body `path` of fs actions.
    pub fs_path: Option<&'a str>,
    /// Budget snapshot (`i64::MAX` without budgets).
    pub calls_remaining: i64,
    /// Domains and paths not covered by the allowlists.
    pub unresolved: &'a Unresolved,
}

/// Evaluates the policy for one call.
pub fn evaluate(
    state: &GateState,
    auth: &AgentAuth,
    action: &CompiledAction,
    facts: CallFacts<'_>,
) -> Verdict {
    let spec = &action.spec;
    let egress = spec.egress_profile().unwrap_or(EgressProfile::None);
    let input = PolicyInput {
        principal: &auth.lease.sub,
        session_id: &auth.lease.session_id,
        scopes: &auth.lease.scope,
        required_scopes: &spec.required_scopes,
        action_id: &spec.action_id,
        action_version: &spec.version,
        action_risk_level: spec.risk_level,
        action_trust_verdict: "digest_ok",
        action_category: if spec.is_fs() { "fs" } else { "" },
        request_hash: facts.request_hash,
        requested_sinks: &spec.declared_side_effects,
        requested_secrets: &[],
        egress_profile: &egress,
        fs_path: facts.fs_path,
        budgets_before: Budgets {
            calls_remaining: facts.calls_remaining,
        },
        unresolved_domains: &facts.unresolved.domains,
        unresolved_paths: &facts.unresolved.paths,
    };
    let t = std::time::Instant::now();
    let verdict = if state.settings.switches.has(Mutant::SkipAcl) {
        evaluate_granting(state, auth, action, &input)
    } else {
        state.policy.evaluate(&input)
    };
    state.metrics.policy_duration(t.elapsed());
    verdict
}

/// The `SkipAcl` mutant: the decision over data granting the principal this action.
fn evaluate_granting(
    state: &GateState,
    auth: &AgentAuth,
    action: &CompiledAction,
    input: &PolicyInput<'_>,
) -> Verdict {
    let spec = &action.spec;
    let mut data = state.policy.data();
    let sinks: Vec<&str> = spec
        .declared_side_effects
        .iter()
        .map(String::as_str)
        .collect();
    data.grant(&auth.lease.sub, &[spec.action_id.as_str()], &sinks);
    state.policy.evaluate_over(&data, input)
}
