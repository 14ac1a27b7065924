//! The execution tail shared by execute and approve: budget debit (refund rules), provider
//! dispatch, response checks, verifier, signed receipt, the 200 body.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use crate::actions::manifest::CompiledAction;
use crate::actions::providers::{ProviderCall, ProviderOutput};
use crate::actions::verifiers;
use crate::actions::ActionEntry;
use crate::control::mutants::Mutant;
use crate::enforce::error::PipelineError;
use crate::state::receipts::{self, ReceiptInput};
use crate::state::GateState;

pub use crate::enforce::response::{
    ApprovalProvenance, ExecutionResponse, RuntimeInfo, VerificationInfo,
};

/// One authorized execution.
#[derive(Debug, Clone)]
pub struct Dispatch {
    /// Action and provider.
    pub entry: ActionEntry,
    /// Request body.
    pub params: Value,
    /// Session (budget row, fs root).
    pub session_id: String,
    /// Whether to debit the session's budget.
    pub debit: bool,
    /// Trace id.
    pub trace_id: String,
    /// Approve path provenance.
    pub approval: Option<ApprovalProvenance>,
    /// Ledger context of the call.
    pub audit: crate::enforce::audit::ExecAudit,
}

/// Runs the tail. The budget is refunded for failures before dispatch only.
pub async fn run(
    state: &Arc<GateState>,
    mut d: Dispatch,
) -> Result<ExecutionResponse, PipelineError> {
    let debit = d.debit && !state.settings.switches.has(Mutant::IgnoreBudgets);
    if debit {
        debit_budget(state, &mut d)?;
    }
    let action = Arc::clone(&d.entry.action);
    let grant_id = uuid::Uuid::now_v7().to_string();
    let call = provider_call(state, &d, &action);
    let started_at = state.clock.now_precise();
    let t0 = Instant::now();
    let out = dispatch(state, &d, call, debit, t0).await?;
    check_output(state, &d, &action, &out)?;
    let outcome = verifiers::verify_output(&action, &out);
    let receipt_id = store_receipt(state, &action, &grant_id, &out, &outcome, started_at);
    if outcome.is_failed() && action.spec.risk_level.is_high() {
        d.audit.high_risk_failed(state, &receipt_id);
        return Err(PipelineError::GrantIntegrity(
            "verifier failed for high-risk action — execution denied",
        ));
    }
    let fully = out.exit_code == 0 && matches!(outcome.tag, "verified" | "unverifiable_declared");
    let resp = ExecutionResponse {
        decision: "executed",
        trace_id: d.trace_id,
        action_id: action.spec.action_id.clone(),
        grant_id,
        receipt_id,
        output: out.output,
        verification_outcome: outcome.tag.to_string(),
        verification: VerificationInfo {
            outcome: outcome.tag.to_string(),
            is_fully_successful: fully,
        },
        runtime: RuntimeInfo {
            duration_ms: t0.elapsed().as_millis() as u64,
            exit_code: out.exit_code,
            fuel_consumed: 0,
        },
        approval: d.approval,
        learned_domain: None,
        learned_path: None,
    };
    let label = d
        .audit
        .executed(state, &resp, &action.spec.provider_module_digest);
    state.metrics.decision(label);
    state
        .metrics
        .action_duration(&action.spec.action_id, t0.elapsed());
    Ok(resp)
}

/// Debits one call from the session's budget; a refusal is audited.
fn debit_budget(state: &GateState, d: &mut Dispatch) -> Result<(), PipelineError> {
    let t = Instant::now();
    let debited = state.budgets.debit(&d.session_id, state.now_ms());
    state.metrics.store_duration("budget_debit", t.elapsed());
    let after = debited
        .map_err(|e| match e {
            crate::state::budgets::BudgetError::Exhausted => PipelineError::BudgetExhausted,
            crate::state::budgets::BudgetError::SessionNotFound => {
                PipelineError::BudgetSessionNotFound
            }
        })
        .inspect_err(|e| d.audit.debit_failed(state, e, &d.session_id))?;
    d.audit.set_budgets_after(after);
    Ok(())
}

fn provider_call(state: &GateState, d: &Dispatch, action: &Arc<CompiledAction>) -> ProviderCall {
    ProviderCall {
        action_id: action.spec.action_id.clone(),
        params: d.params.clone(),
        fs_root: state.fs_root_for(&d.session_id),
        spec: Arc::clone(action),
        learned_paths: state
            .learned
            .paths
            .learned(&action.spec.action_id)
            .values
            .clone(),
    }
}

/// Calls the provider; a failure before dispatch gives the debited call back.
async fn dispatch(
    state: &GateState,
    d: &Dispatch,
    call: ProviderCall,
    debited: bool,
    t0: Instant,
) -> Result<ProviderOutput, PipelineError> {
    let id = call.action_id.clone();
    state.in_flight.fetch_add(1, Ordering::AcqRel);
    let result = d.entry.provider.call(call).await;
    state.in_flight.fetch_sub(1, Ordering::AcqRel);
    result.map_err(|e| {
        if e.before_dispatch && debited {
            let t = Instant::now();
            state.budgets.refund(&d.session_id);
            state.metrics.store_duration("budget_rollback", t.elapsed());
        }
        state.metrics.action_duration(&id, t0.elapsed());
        state.metrics.provider_error(&id, "execution_failed");
        d.audit.provider_failed(state, &e.message);
        PipelineError::Provider(e.message)
    })
}

/// The output against the response schema and limits; a violation is counted and audited.
fn check_output(
    state: &GateState,
    d: &Dispatch,
    action: &CompiledAction,
    out: &ProviderOutput,
) -> Result<(), PipelineError> {
    verifiers::check_response(action, &out.output)
        .inspect_err(|e| {
            if e.starts_with("response schema violation") {
                state.metrics.schema_violation(&action.spec.action_id);
            }
            d.audit.response_invalid(state, e)
        })
        .map_err(PipelineError::Schema)
}

/// Signs and stores the receipt of a dispatched call; returns its id.
fn store_receipt(
    state: &GateState,
    action: &CompiledAction,
    grant_id: &str,
    out: &ProviderOutput,
    outcome: &verifiers::Outcome,
    started_at: chrono::DateTime<chrono::Utc>,
) -> String {
    let finished_at = state.clock.now_precise();
    let receipt_id = uuid::Uuid::now_v7().to_string();
    let receipt = receipts::build(
        &ReceiptInput {
            receipt_id: receipt_id.clone(),
            grant_id: grant_id.to_string(),
            provider_module_digest: action.spec.provider_module_digest.clone(),
            output: out.output.clone(),
            exit_code: out.exit_code,
            verification_outcome: outcome.tagged.clone(),
            verification_failed: outcome.is_failed(),
            started_at,
            finished_at,
        },
        &state.signer,
        &state.settings.switches,
    );
    state.receipts.insert(&receipt);
    receipt_id
}
