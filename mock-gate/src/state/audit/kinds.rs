//! The ledger's event types and decisions, by their wire names.

/// Ledger event kinds, by their wire name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EventType {
    /// An execute / approve / deny outcome (the gate's builder default).
    #[default]
    ActionCall,
    /// A lease was issued.
    LeaseIssued,
    /// `POST /v1/admin/revoke-all`.
    AdminRevokeAll,
    /// `GET /v1/admin/epoch`.
    AdminEpochRead,
    /// `GET /v1/receipt-keys`.
    AdminReceiptKeysRead,
    /// `POST /v1/admin/drain`.
    AdminDrain,
    /// `POST /v1/admin/reload`.
    AdminReload,
    /// Learned domain added by an operator.
    DomainAdd,
    /// Learned domain removed by an operator.
    DomainRemove,
    /// Learned domains of an action cleared.
    DomainClear,
    /// Learned path glob added by an operator.
    PathAdd,
    /// Learned path glob removed by an operator.
    PathRemove,
    /// Learned path globs of an action cleared.
    PathClear,
    /// Actions granted to a principal.
    PolicyGrant,
    /// Actions revoked from a principal.
    PolicyRevoke,
    /// Allowlist entry added.
    PolicyAllowlistAdded,
    /// Allowlist entry removed.
    PolicyAllowlistRemoved,
}

impl EventType {
    /// The `event_type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ActionCall => "action_call",
            Self::LeaseIssued => "lease_issued",
            Self::AdminRevokeAll => "admin_revoke_all",
            Self::AdminEpochRead => "admin_epoch_read",
            Self::AdminReceiptKeysRead => "admin_receipt_keys_read",
            Self::AdminDrain => "admin_drain",
            Self::AdminReload => "admin_reload",
            Self::DomainAdd => "domain_add",
            Self::DomainRemove => "domain_remove",
            Self::DomainClear => "domain_clear",
            Self::PathAdd => "path_add",
            Self::PathRemove => "path_remove",
            Self::PathClear => "path_clear",
            Self::PolicyGrant => "policy_grant",
            Self::PolicyRevoke => "policy_revoke",
            Self::PolicyAllowlistAdded => "policy_allowlist_added",
            Self::PolicyAllowlistRemoved => "policy_allowlist_removed",
        }
    }
}

/// The event's `decision`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Decision {
    /// Allowed (or a successful lifecycle/admin event).
    Allow,
    /// Executed, verification not confirmed.
    AllowUnverified,
    /// Denied.
    Deny,
    /// Held for an operator.
    PendingApproval,
    /// Failed (the gate's default when no decision was set).
    #[default]
    Error,
}

impl Decision {
    /// The `decision` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::AllowUnverified => "allow_unverified",
            Self::Deny => "deny",
            Self::PendingApproval => "pending_approval",
            Self::Error => "error",
        }
    }
}
