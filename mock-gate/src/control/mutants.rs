//! Test-only switches.
//!
//! [`Mutant`]s each disable ONE enforcement rule of the gate, so a conformance suite can prove
//! that some scenario notices ("kills") the broken rule. Never use them outside tests: a mutant
//! gate accepts requests the real gate refuses.
//!
//! [`Lax`] switches turn on behaviours of the real gate v0.2.0 that are laxer than RFC 9449 or
//! the gate's own stated rules. The mock is strict by default; a lax switch reproduces the
//! real gate's hole exactly.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// One disabled enforcement rule (TEST ONLY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mutant {
    /// DPoP `ath` is not compared with the presented token.
    SkipAth,
    /// Expired leases are accepted.
    AcceptExpiredLeases,
    /// The replay cache never reports a replay.
    ForgetReplays,
    /// DPoP `htu` is not compared.
    SkipHtu,
    /// DPoP `htm` is not compared.
    SkipHtm,
    /// DPoP `iat` window is not checked.
    SkipIatWindow,
    /// The proof key's thumbprint is not compared with the lease `cnf.jkt` (or operator `dpop_jkt`).
    SkipCnfBinding,
    /// The proof's ES256 signature is not checked.
    SkipSignatureCheck,
    /// The proof header's `typ` is not checked.
    SkipTypCheck,
    /// The lease JWT signature is not checked.
    SkipLeaseSignature,
    /// Budgets are neither checked nor debited.
    IgnoreBudgets,
    /// Approval poll does not check that the approval belongs to the caller's session.
    SkipPollSessionScope,
    /// Receipts are stored without `receipt_signature`/`signing_key_id`.
    UnsignedReceipts,
    /// Receipt signatures are over different bytes (verification fails).
    GarbledReceiptSignature,
    /// `result_hash` is computed over the wrong input.
    WrongResultHash,
    /// Receipt timestamps are hashed in their `Z` form instead of `+00:00`.
    ResultHashWithZTimestamps,
    /// `request_hash` in the 202 body is not the JCS hash of the body.
    WrongRequestHash,
    /// High-risk actions execute without approval.
    SkipApprovalGate,
    /// The ACL is not consulted.
    SkipAcl,
    /// The request schema is not enforced.
    SkipSchemaValidation,
    /// Operator endpoints accept any credentials.
    SkipOperatorAuth,
    /// Unknown top-level members of the lease request are accepted.
    AcceptUnknownLeaseFields,
    /// Receipts are returned with a `verification_outcome` string instead of the tagged object.
    ReceiptOutcomeAsString,
    /// A call the policy allows to a network action (any non-fs provider) answers 500
    /// `internal_error` instead of reaching its provider.
    AllowedNetworkCallFails,
}

impl Mutant {
    /// Every mutant, for kill-rate loops.
    pub const ALL: [Mutant; 24] = [
        Mutant::SkipAth,
        Mutant::AcceptExpiredLeases,
        Mutant::ForgetReplays,
        Mutant::SkipHtu,
        Mutant::SkipHtm,
        Mutant::SkipIatWindow,
        Mutant::SkipCnfBinding,
        Mutant::SkipSignatureCheck,
        Mutant::SkipTypCheck,
        Mutant::SkipLeaseSignature,
        Mutant::IgnoreBudgets,
        Mutant::SkipPollSessionScope,
        Mutant::UnsignedReceipts,
        Mutant::GarbledReceiptSignature,
        Mutant::WrongResultHash,
        Mutant::ResultHashWithZTimestamps,
        Mutant::WrongRequestHash,
        Mutant::SkipApprovalGate,
        Mutant::SkipAcl,
        Mutant::SkipSchemaValidation,
        Mutant::SkipOperatorAuth,
        Mutant::AcceptUnknownLeaseFields,
        Mutant::ReceiptOutcomeAsString,
        Mutant::AllowedNetworkCallFails,
    ];

    /// The snake_case name used in config files and the control API.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// One real-gate laxness reproduced on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lax {
    /// The gate caches the proof key per `cnf.jkt` (256 entries) and, on a cache hit, does not
    /// parse the proof header at all: `typ`, `alg` and `jwk` go unchecked.
    DpopKeyCache,
    /// The gate reads the first `DPoP` header and ignores any further ones (RFC 9449 §4.3
    /// requires rejecting a request with more than one).
    MultipleDpopHeaders,
    /// The gate ignores private members (`d`) in the proof's `jwk` (RFC 9449 §4.3 forbids them).
    PrivateJwkMembers,
}

impl Lax {
    /// Every lax switch (= the real gate's exact behaviour).
    pub const ALL: [Lax; 3] = [
        Lax::DpopKeyCache,
        Lax::MultipleDpopHeaders,
        Lax::PrivateJwkMembers,
    ];
}

/// The switches in force on one gate.
#[derive(Debug, Clone, Default)]
pub struct Switches {
    /// Disabled rules.
    pub mutants: BTreeSet<Mutant>,
    /// Reproduced laxnesses.
    pub lax: BTreeSet<Lax>,
}

impl Switches {
    /// Whether `m` is on.
    pub fn has(&self, m: Mutant) -> bool {
        self.mutants.contains(&m)
    }

    /// Whether `l` is on.
    pub fn lax(&self, l: Lax) -> bool {
        self.lax.contains(&l)
    }
}
