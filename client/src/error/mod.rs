//! The one error type of the SDK: every public call returns a typed result or an
//! [`Error`] whose [`ErrorKind`] is one of the canonical kinds of SDK-CONTRACT §1.
//!
//! | SDK-CONTRACT §1 kind | here |
//! |---|---|
//! | `InvalidInput{field}` | [`ErrorKind::InvalidInput`], [`Error::field`] |
//! | `NotConnected`, `Closed` | [`ErrorKind::NotConnected`], [`ErrorKind::Closed`] |
//! | `ApprovalRequired{approval_id, request_hash, trace_id}` | [`ErrorKind::ApprovalRequired`], [`Error::approval`] |
//! | `Denied{code, reason}` | [`ErrorKind::Denied`], [`Error::code`], [`Error::reason`], [`Error::principal`], [`Error::remediation`] |
//! | `BudgetExhausted`, `AuthError`, `LeaseExpired`, `ReplayDetected`, `Conflict{code}` | the same names |
//! | `NotFound{code, stale_session}` | [`ErrorKind::NotFound`], [`Error::stale_session`] |
//! | `Unavailable{code, retry_after}` | [`ErrorKind::Unavailable`], [`Error::retry_after`] |
//! | `OutcomeUnknown{code}` | [`ErrorKind::OutcomeUnknown`] |
//! | `TransportError{sent}` | [`ErrorKind::TransportError`], [`Error::sent`] |
//! | `ProtocolError{detail}` | [`ErrorKind::ProtocolError`], [`Error::detail`] |
//!
//! Messages are informative only; compare kinds and attributes. No message, `Debug` or
//! `Display` output contains a private key, lease JWT, API key or proof.

mod kind;
mod mapping;

use std::fmt;
use std::sync::Arc;

pub use kind::{Endpoint, ErrorKind};
pub use mapping::{map_response, parse_retry_after};

/// Details of an execute answered 202.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalRequired {
    /// The approval to poll (agent) or decide (operator).
    pub approval_id: String,
    /// `"sha256:"` + hex SHA-256 of the JCS form of the parameters, as the gate sent it.
    pub request_hash: Option<String>,
    /// Trace id of the held request.
    pub trace_id: Option<String>,
    /// The session that created the approval; only a lease of it can poll.
    pub session_id: Option<String>,
}

impl ApprovalRequired {
    /// Whether the gate's `request_hash` is `"sha256:"` + hex SHA-256 of the JCS form of
    /// `params` (C-APPR-01 MAY); `None` when the gate sent no hash.
    ///
    /// ```
    /// let held = latchgate::ApprovalRequired {
    ///     approval_id: "ap1".into(),
    ///     request_hash: Some("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a".into()),
    ///     trace_id: None,
    ///     session_id: None,
    /// };
    /// assert_eq!(held.request_hash_matches(&serde_json::json!({})), Some(true));
    /// ```
    pub fn request_hash_matches(&self, params: &serde_json::Value) -> Option<bool> {
        let sent = self.request_hash.as_deref()?;
        Some(crate::crypto::jcs::request_hash(params).is_ok_and(|mine| mine == sent))
    }
}

/// An SDK error: a canonical [`ErrorKind`] plus the attributes of SDK-CONTRACT §1.
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone, Default)]
struct Inner {
    kind: Option<ErrorKind>,
    message: String,
    endpoint: Option<Endpoint>,
    status: Option<u16>,
    code: Option<String>,
    reason: Option<String>,
    detail: Option<String>,
    retry_after: Option<u64>,
    field: Option<String>,
    target_id: Option<String>,
    principal: Option<String>,
    action_id: Option<String>,
    remediation: Option<String>,
    stale_session: bool,
    sent: bool,
    may_have_executed: bool,
    approval: Option<ApprovalRequired>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// A new error of `kind` with an informative message (never put secrets in it).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind: Some(kind),
                message: message.into(),
                ..Inner::default()
            }),
        }
    }

    /// `InvalidInput` naming the offending parameter.
    pub fn invalid_input(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message).with_field(field)
    }

    /// `ProtocolError` for a response that violates the contract on `endpoint`; on EXEC and
    /// APPROVE the action may have run.
    pub(crate) fn protocol(
        endpoint: Endpoint,
        status: Option<u16>,
        detail: impl Into<String>,
    ) -> Self {
        let detail = detail.into();
        let mut e = Self::new(ErrorKind::ProtocolError, detail.clone()).with_endpoint(endpoint);
        e.inner.status = status;
        e.inner.detail = Some(detail);
        e.inner.may_have_executed = endpoint.can_execute();
        e
    }

    /// `TransportError`: no HTTP response. `sent` says whether the request may have reached
    /// the gate; with EXEC or APPROVE that means the action may have run.
    pub(crate) fn transport(
        endpoint: Endpoint,
        sent: bool,
        message: impl Into<String>,
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        let mut e = Self::new(ErrorKind::TransportError, message).with_endpoint(endpoint);
        e.inner.sent = sent;
        e.inner.may_have_executed = sent && endpoint.can_execute();
        e.inner.source = source;
        e
    }

    /// `ApprovalRequired` built from a 202 answer.
    pub(crate) fn approval_required(approval: ApprovalRequired) -> Self {
        let mut e = Self::new(
            ErrorKind::ApprovalRequired,
            format!("approval {} is required", approval.approval_id),
        )
        .with_endpoint(Endpoint::Exec);
        e.inner.status = Some(202);
        e.inner.target_id = Some(approval.approval_id.clone());
        e.inner.approval = Some(approval);
        e
    }

    pub(crate) fn with_endpoint(mut self, endpoint: Endpoint) -> Self {
        self.inner.endpoint = Some(endpoint);
        self
    }

    pub(crate) fn with_field(mut self, field: &str) -> Self {
        self.inner.field = Some(field.to_owned());
        self
    }

    /// Attach the id (action, receipt or approval) the failed call addressed.
    pub(crate) fn with_target_id(mut self, id: impl Into<String>) -> Self {
        self.inner.target_id = Some(id.into());
        self
    }

    /// Mark a `NotFound` as caused by a session change (SDK-CONTRACT C-APPR-08).
    pub(crate) fn with_stale_session(mut self, stale: bool) -> Self {
        self.inner.stale_session = stale;
        self
    }

    pub(crate) fn append_message(mut self, extra: &str) -> Self {
        self.inner.message.push_str(extra);
        self
    }

    /// The canonical kind.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind.unwrap_or(ErrorKind::ProtocolError)
    }

    /// The informative message (not part of the contract).
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The endpoint group of the failed request, when one was made.
    pub fn endpoint(&self) -> Option<Endpoint> {
        self.inner.endpoint
    }

    /// HTTP status of the gate's answer.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// Seconds from the `Retry-After` header. Exposed, never acted on (C-NET-03).
    pub fn retry_after(&self) -> Option<u64> {
        self.inner.retry_after
    }

    /// A poll 404 for an approval created under an earlier session (C-APPR-08).
    pub fn stale_session(&self) -> bool {
        self.inner.stale_session
    }

    /// For `TransportError`: the request may have reached the gate.
    pub fn sent(&self) -> bool {
        self.inner.sent
    }

    /// True exactly for the transient kinds (§1).
    pub fn transient(&self) -> bool {
        self.kind().is_transient()
    }

    /// The action may have run: reconcile through the trace, receipt or audit log before
    /// resubmitting (§2 "Retry safe? no"). Never retry such a call blindly.
    pub fn may_have_executed(&self) -> bool {
        self.inner.may_have_executed
    }

    /// The details of an `ApprovalRequired`.
    pub fn approval(&self) -> Option<&ApprovalRequired> {
        self.inner.approval.as_ref()
    }
}

/// Accessors of the optional text attributes, each `None` unless set.
macro_rules! text_attributes {
    ($($(#[$doc:meta])* $name:ident;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(&self) -> Option<&str> {
                self.inner.$name.as_deref()
            }
        )*
    };
}

impl Error {
    text_attributes! {
        /// The gate's `error` code: present only when the body was a JSON object whose `error`
        /// member is a string (C-ERR-02).
        code;
        /// `deny_reason`, else `message`, of the gate's body (C-ERR-04).
        reason;
        /// For a non-JSON error body, its first 200 characters; for a `ProtocolError`, what
        /// was wrong.
        detail;
        /// The offending parameter of an `InvalidInput`.
        field;
        /// The action, receipt or approval id the call addressed.
        target_id;
        /// `principal` of a `Denied` body.
        principal;
        /// `action_id` of a `Denied` body.
        action_id;
        /// `remediation` of a `Denied` body (e.g. `Run: latchgate policy grant …`).
        remediation;
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind())?;
        if let Some(status) = self.inner.status {
            write!(f, " (HTTP {status}")?;
            if let Some(code) = &self.inner.code {
                write!(f, " {code}")?;
            }
            f.write_str(")")?;
        }
        if !self.inner.message.is_empty() {
            write!(f, ": {}", self.inner.message)?;
        }
        if let Some(reason) = &self.inner.reason {
            write!(f, " [{reason}]")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind()).field("message", &i.message);
        let optional: [(&str, Option<&dyn fmt::Debug>); 11] = [
            ("endpoint", i.endpoint.as_ref().map(|v| v as _)),
            ("status", i.status.as_ref().map(|v| v as _)),
            ("code", i.code.as_ref().map(|v| v as _)),
            ("reason", i.reason.as_ref().map(|v| v as _)),
            ("detail", i.detail.as_ref().map(|v| v as _)),
            ("retry_after", i.retry_after.as_ref().map(|v| v as _)),
            ("field", i.field.as_ref().map(|v| v as _)),
            ("target_id", i.target_id.as_ref().map(|v| v as _)),
            ("principal", i.principal.as_ref().map(|v| v as _)),
            ("approval", i.approval.as_ref().map(|v| v as _)),
            ("source", i.source.as_ref().map(|v| v as _)),
        ];
        for (name, value) in optional.into_iter() {
            if let Some(value) = value {
                d.field(name, value);
            }
        }
        d.field("transient", &self.transient())
            .field("may_have_executed", &i.may_have_executed)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}
