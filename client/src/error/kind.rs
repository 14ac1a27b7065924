use std::fmt;

/// The canonical outcome vocabulary of SDK-CONTRACT §1, one variant per kind.
///
/// `LeaseExpired` and `ReplayDetected` specialise `AuthError`
/// (see [`ErrorKind::is_auth_error`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// An argument or the configuration was rejected before any I/O.
    InvalidInput,
    /// A lease is needed and there is neither a lease, an agent id nor lease parameters.
    NotConnected,
    /// The client was closed.
    Closed,
    /// Execute answered 202: the action waits for an operator.
    ApprovalRequired,
    /// The gate refused the request (policy, identity, scope, validation, size).
    Denied,
    /// The lease's call budget is used up.
    BudgetExhausted,
    /// The addressed action, receipt or approval does not exist for this caller.
    NotFound,
    /// A 401 other than the two specialisations.
    AuthError,
    /// The lease expired (401 `lease_expired`, or the local check without auto-renewal).
    LeaseExpired,
    /// 401 `replay_detected`.
    ReplayDetected,
    /// 409: the gate's state changed under a concurrent operation.
    Conflict,
    /// Overloaded, draining or a dependency is down; the action did not run.
    Unavailable,
    /// The gate failed after a point where the action may already have run.
    OutcomeUnknown,
    /// No HTTP response (refused, socket missing, DNS, reset, timeout).
    TransportError,
    /// The response violates the contract.
    ProtocolError,
}

impl ErrorKind {
    /// Every kind, in the order of SDK-CONTRACT §1.
    pub const ALL: [ErrorKind; 15] = [
        Self::InvalidInput,
        Self::NotConnected,
        Self::Closed,
        Self::ApprovalRequired,
        Self::Denied,
        Self::BudgetExhausted,
        Self::NotFound,
        Self::AuthError,
        Self::LeaseExpired,
        Self::ReplayDetected,
        Self::Conflict,
        Self::Unavailable,
        Self::OutcomeUnknown,
        Self::TransportError,
        Self::ProtocolError,
    ];

    /// The canonical name, exactly as in SDK-CONTRACT §1 (`"InvalidInput"`, `"AuthError"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidInput => "InvalidInput",
            Self::NotConnected => "NotConnected",
            Self::Closed => "Closed",
            Self::ApprovalRequired => "ApprovalRequired",
            Self::Denied => "Denied",
            Self::BudgetExhausted => "BudgetExhausted",
            Self::NotFound => "NotFound",
            Self::AuthError => "AuthError",
            Self::LeaseExpired => "LeaseExpired",
            Self::ReplayDetected => "ReplayDetected",
            Self::Conflict => "Conflict",
            Self::Unavailable => "Unavailable",
            Self::OutcomeUnknown => "OutcomeUnknown",
            Self::TransportError => "TransportError",
            Self::ProtocolError => "ProtocolError",
        }
    }

    /// Whether the kind's class is *transient* (§1): retrying later may succeed.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::LeaseExpired
                | Self::ReplayDetected
                | Self::Conflict
                | Self::Unavailable
                | Self::TransportError
        )
    }

    /// `AuthError` or one of its specialisations.
    pub fn is_auth_error(self) -> bool {
        matches!(
            self,
            Self::AuthError | Self::LeaseExpired | Self::ReplayDetected
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The endpoint group a request belongs to (SDK-CONTRACT §0); it selects the rows of the
/// §2 response mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST /v1/leases`.
    Lease,
    /// `POST /v1/actions/{id}/execute`.
    Exec,
    /// `GET /v1/receipts/{id}` with agent auth.
    Receipt,
    /// `GET /v1/approvals/{id}/poll`.
    Poll,
    /// Unauthenticated discovery: actions, schema, health, readiness, JWKS.
    Discovery,
    /// `POST /v1/approvals/{id}/approve`.
    Approve,
    /// `POST /v1/approvals/{id}/deny`.
    Deny,
    /// `GET /v1/approvals/{id}` (operator; every error has an empty body).
    OperatorApproval,
    /// `GET /v1/receipts/{id}` with operator auth.
    OperatorReceipt,
    /// Every other operator route.
    Operator,
}

impl Endpoint {
    /// Whether a request to this endpoint can run an action (EXEC and APPROVE).
    pub fn can_execute(self) -> bool {
        matches!(self, Self::Exec | Self::Approve)
    }
}
