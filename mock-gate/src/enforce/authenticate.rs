//! Agent (lease + DPoP) and operator (api key + DPoP) authentication, in the gate's order.

use std::sync::Arc;

use axum::http::HeaderMap;

use crate::auth::dpop::{self, Expected, Reject, RejectKind};
use crate::auth::lease::{LeaseClaims, LeaseError};
use crate::auth::replay::ReplayCheck;
use crate::config::settings::OperatorCredential;
use crate::control::mutants::{Lax, Mutant};
use crate::crypto::ct_eq;
use crate::state::caller::Caller;
use crate::state::GateState;

/// Every way authentication fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// `Authorization` (agents: or `DPoP`) header absent → `missing_auth_header`.
    MissingHeader,
    /// Not `DPoP <token>`, or the lease failed verification → `invalid_lease`.
    InvalidLease(String),
    /// Lease past `exp` → `lease_expired`.
    LeaseExpired,
    /// Proof refused → `invalid_dpop`.
    InvalidDpop(Reject),
    /// jti seen → `replay_detected`.
    Replay,
    /// Replay store full → `replay_cache_unavailable`.
    ReplayUnavailable,
    /// Operator: not `DPoP ` → `invalid_auth_scheme`.
    InvalidAuthScheme,
    /// Operator: unknown api key → `invalid_operator_token`.
    InvalidOperatorToken,
    /// Operator: no `DPoP` header → `missing_dpop_header`.
    MissingDpopHeader,
    /// Operator: proof key ≠ configured `dpop_jkt` → `key_binding_failed`.
    KeyBindingFailed,
}

/// An authenticated agent: its verified lease claims, shared with the verified-lease cache.
#[derive(Debug, Clone)]
pub struct AgentAuth {
    /// The lease's claims (`sub`, `session_id`, scopes, budgets, …).
    pub lease: Arc<LeaseClaims>,
}

impl AgentAuth {
    /// Who holds the lease, as the records of the call carry it.
    pub fn caller(&self) -> Caller {
        Caller::of_lease(&self.lease)
    }
}

/// An authenticated operator.
#[derive(Debug, Clone)]
pub struct OperatorAuth {
    /// Operator id.
    pub operator_id: String,
    /// Configured `dpop_jkt`.
    pub sender_binding: String,
    /// `jti` of the accepted proof.
    pub proof_jti: String,
}

/// First value of a header, if it is visible ASCII (as `HeaderValue::to_str`).
pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn proof_header<'a>(state: &GateState, headers: &'a HeaderMap) -> Result<Option<&'a str>, Reject> {
    if headers.get_all("dpop").iter().count() > 1
        && !state.settings.switches.lax(Lax::MultipleDpopHeaders)
    {
        return Err(Reject {
            kind: RejectKind::Malformed,
            reason: "multiple DPoP headers in request".into(),
        });
    }
    Ok(header_str(headers, "dpop"))
}

fn replay(state: &GateState, jti: &str) -> Result<(), AuthFailure> {
    if state.settings.switches.has(Mutant::ForgetReplays) {
        return Ok(());
    }
    match state.replay.check_and_store(jti, state.now_ms()) {
        ReplayCheck::Fresh => Ok(()),
        ReplayCheck::Replayed => Err(AuthFailure::Replay),
        ReplayCheck::Unavailable => Err(AuthFailure::ReplayUnavailable),
    }
}

/// Authenticates an agent request bound to `htm` and `htu`.
pub fn authenticate_agent(
    state: &GateState,
    headers: &HeaderMap,
    htm: &str,
    htu: &str,
) -> Result<AgentAuth, AuthFailure> {
    let sw = &state.settings.switches;
    let authz = header_str(headers, "authorization").ok_or(AuthFailure::MissingHeader)?;
    let token = authz.strip_prefix("DPoP ").ok_or_else(|| {
        AuthFailure::InvalidLease(
            "Authorization header must use 'DPoP' scheme, not 'Bearer'".into(),
        )
    })?;
    if token.is_empty() {
        return Err(AuthFailure::InvalidLease(
            "empty token in Authorization header".into(),
        ));
    }
    let proof_result = proof_header(state, headers);
    let proof = match &proof_result {
        Ok(p) => p.ok_or(AuthFailure::MissingHeader)?,
        Err(_) => "",
    };
    let now = state.clock.now_unix();
    let claims = state
        .issuer
        .verify(
            token,
            now,
            sw.has(Mutant::AcceptExpiredLeases),
            sw.has(Mutant::SkipLeaseSignature),
        )
        .map_err(|e| match e {
            LeaseError::Expired => AuthFailure::LeaseExpired,
            LeaseError::Invalid(r) => AuthFailure::InvalidLease(r),
        })?;
    if let Err(r) = proof_result {
        state.metrics.dpop_reject("malformed");
        return Err(AuthFailure::InvalidDpop(r));
    }
    let expected = Expected {
        htm,
        htu,
        token,
        jkt: &claims.cnf.jkt,
    };
    let proof_claims =
        dpop::verify_proof(proof, expected, now, sw, &state.key_cache).map_err(|r| {
            state.metrics.dpop_reject(kind_label(r.kind));
            AuthFailure::InvalidDpop(r)
        })?;
    replay(state, &proof_claims.jti).inspect_err(|f| {
        if *f == AuthFailure::Replay {
            state.metrics.dpop_reject("replay");
        }
    })?;
    Ok(AgentAuth { lease: claims })
}

/// Authenticates an operator request bound to `htm` and `public_base + path`.
pub fn authenticate_operator(
    state: &GateState,
    headers: &HeaderMap,
    htm: &str,
    path: &str,
) -> Result<OperatorAuth, AuthFailure> {
    let sw = &state.settings.switches;
    if sw.has(Mutant::SkipOperatorAuth) {
        return Ok(OperatorAuth {
            operator_id: state
                .settings
                .operators
                .first()
                .map(|o| o.id.clone())
                .unwrap_or_default(),
            sender_binding: String::new(),
            proof_jti: String::new(),
        });
    }
    let authz = header_str(headers, "authorization").ok_or(AuthFailure::MissingHeader)?;
    let token = authz
        .strip_prefix("DPoP ")
        .ok_or(AuthFailure::InvalidAuthScheme)?;
    let proof = match proof_header(state, headers) {
        Ok(Some(p)) => p,
        Ok(None) => return Err(AuthFailure::MissingDpopHeader),
        Err(r) => return Err(AuthFailure::InvalidDpop(r)),
    };
    let cred: &OperatorCredential = find_operator(&state.settings.operators, token)?;
    let jkt = cred
        .dpop_jkt
        .as_deref()
        .ok_or(AuthFailure::KeyBindingFailed)?;
    let htu = state.htu(path);
    let expected = Expected {
        htm,
        htu: &htu,
        token,
        jkt,
    };
    let claims = dpop::verify_proof(
        proof,
        expected,
        state.clock.now_unix(),
        sw,
        &state.key_cache,
    )
    .map_err(|r| {
        // The gate counts agent proofs only: operator rejections leave the metric alone.
        if r.kind == RejectKind::BadKey {
            AuthFailure::KeyBindingFailed
        } else {
            AuthFailure::InvalidDpop(r)
        }
    })?;
    replay(state, &claims.jti)?;
    Ok(OperatorAuth {
        operator_id: cred.id.clone(),
        sender_binding: jkt.to_string(),
        proof_jti: claims.jti.clone(),
    })
}

fn find_operator<'a>(
    ops: &'a [OperatorCredential],
    token: &str,
) -> Result<&'a OperatorCredential, AuthFailure> {
    let mut found = None;
    for op in ops {
        if ct_eq(token.as_bytes(), op.api_key.as_bytes()) && found.is_none() {
            found = Some(op);
        }
    }
    found.ok_or(AuthFailure::InvalidOperatorToken)
}

fn kind_label(k: RejectKind) -> &'static str {
    match k {
        RejectKind::Malformed => "malformed",
        RejectKind::BadHeader => "bad_header",
        RejectKind::BadKey => "bad_key",
        RejectKind::BadSig => "bad_sig",
        RejectKind::BadHtm => "bad_htm",
        RejectKind::BadHtu => "bad_htu",
        RejectKind::BadIat => "bad_iat",
        RejectKind::BadAth => "bad_ath",
    }
}
