//! Values the agent client takes and returns.

use std::time::SystemTime;

use crate::error::Error;

/// Parameters of `POST /v1/leases` for [`crate::Client::connect`]. Every `None` takes the
/// gate-compatible default: scopes `["tools:call"]`, no budget, no `fs_root`.
///
/// Budgets: only `max_calls` exists, and it caps each lease (a renewal starts a fresh
/// count). A 202 does not debit; an approved plan debits the creating session's budget at
/// approve time; failures before dispatch are refunded, failures after dispatch are not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// Scopes, sent verbatim (order and duplicates kept). Empty is `InvalidInput`.
    pub scopes: Option<Vec<String>>,
    /// Per-lease call budget, 1..=2^63−1.
    pub max_calls: Option<u64>,
    /// Per-session filesystem root, an absolute path.
    pub fs_root: Option<String>,
}

impl ConnectOptions {
    /// Default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Set the scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Set the per-lease call budget.
    pub fn max_calls(mut self, n: u64) -> Self {
        self.max_calls = Some(n);
        self
    }

    /// Set the per-session filesystem root.
    pub fn fs_root(mut self, path: impl Into<String>) -> Self {
        self.fs_root = Some(path.into());
        self
    }
}

/// The lease parameters every renewal and re-lease sends again unchanged (C-CONN-05).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseParams {
    /// Scopes as sent.
    pub scopes: Vec<String>,
    /// `budgets.max_calls`, when a budget was requested.
    pub max_calls: Option<u64>,
    /// `fs_root` as sent.
    pub fs_root: Option<String>,
}

impl Default for LeaseParams {
    fn default() -> Self {
        Self {
            scopes: vec!["tools:call".to_owned()],
            max_calls: None,
            fs_root: None,
        }
    }
}

/// The public facts of the current lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseInfo {
    /// Server session of the lease.
    pub session_id: String,
    /// JWT id of the lease.
    pub lease_jti: String,
    /// Expiry.
    pub expires_at: SystemTime,
    /// Expiry as the gate sent it.
    pub expires_at_text: String,
    /// The canonical `fs_root` the gate echoed, if any.
    pub fs_root: Option<String>,
}

/// Why a lease replaced another (C-CONN-06).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LeaseCause {
    /// Fewer than 60 s were left on the current lease.
    Renewal,
    /// A lease was obtained automatically while none was held: the first lazy connect, or
    /// after the gate rejected the lease (`lease_expired`/`invalid_lease`).
    Relogin,
    /// [`crate::Client::connect`] was called.
    Explicit,
}

impl LeaseCause {
    /// `renewal`, `relogin` or `explicit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Renewal => "renewal",
            Self::Relogin => "relogin",
            Self::Explicit => "explicit",
        }
    }
}

/// A notification about the client's lease, delivered to hooks registered with
/// [`crate::Client::on_lease_change`].
#[derive(Clone, Debug)]
pub enum LeaseEvent {
    /// A new lease (and so a new session) replaced the previous one, if any.
    Changed {
        /// Session of the replaced lease.
        old_session_id: Option<String>,
        /// Session of the new lease.
        new_session_id: String,
        /// Why.
        cause: LeaseCause,
    },
    /// A renewal failed with `Unavailable` or `TransportError`; the call went ahead with the
    /// still-valid current lease and the next call tries again (C-CONN-07).
    RenewalFailed {
        /// Session of the lease still in use.
        session_id: String,
        /// What went wrong.
        error: Error,
    },
    /// The gate rejected the lease (`lease_expired` or `invalid_lease`) and it was dropped.
    Discarded {
        /// Session of the dropped lease.
        session_id: String,
    },
}

/// The answer of an approval poll (C-APPR-03/04).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalStatus {
    /// The polled approval (the gate does not echo it).
    pub approval_id: String,
    /// `pending`, `approved`, `denied`, `failed`, or an unknown value verbatim.
    pub status: String,
    /// Receipt of the operator-triggered execution, when `approved`.
    pub receipt_id: Option<String>,
    /// Deny reason or failure text.
    pub reason: Option<String>,
    /// The gate's suggested poll delay.
    pub retry_after_seconds: Option<u64>,
}

impl ApprovalStatus {
    /// `approved`, `denied` or `failed`.
    pub fn is_terminal(&self) -> bool {
        matches!(self.status.as_str(), "approved" | "denied" | "failed")
    }

    /// `approved`.
    pub fn is_approved(&self) -> bool {
        self.status == "approved"
    }
}
