//! Operator routes (C-OP-04..07).

use bytes::Bytes;
use http::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::OperatorClient;
use crate::error::{Endpoint, Error, ErrorKind};
use crate::receipt::{parse_receipt_keys, Receipt, ReceiptKey};
use crate::response::{self, ok_object, ok_typed, typed};
use crate::transport::{Incoming, Outgoing};
use crate::validate;
use crate::wire::{
    AdminStatus, ApprovalDetail, ApprovalList, DenyRequest, DenyResponse, ExecutionResponse,
    TerminalDecision,
};

/// The approval states `list_approvals` accepts as a filter.
pub const APPROVAL_STATES: [&str; 5] = ["pending", "claimed", "approved", "denied", "failed"];

/// Options of [`OperatorClient::approve`]: what the gate should learn for next time. Both
/// go in the percent-encoded query string, never in the proof's `htu`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApproveOptions {
    /// Add this domain to the action's learned allowlist.
    pub learn_domain: Option<String>,
    /// Add this path glob to the action's learned allowlist.
    pub learn_path: Option<String>,
}

/// What an approve did.
#[derive(Clone, Debug, PartialEq)]
pub enum ApproveOutcome {
    /// The stored plan ran: the execution body with its `approval` provenance.
    Executed(Box<ExecutionResponse>),
    /// The approval had already completed (`already_approved|already_denied|already_failed`).
    AlreadyDecided(TerminalDecision),
}

/// What a deny did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DenyOutcome {
    /// The approval is now denied.
    Denied(DenyResponse),
    /// The approval had already completed.
    AlreadyDecided(TerminalDecision),
}

impl OperatorClient {
    /// `GET /v1/approvals?status=&limit=`, newest first. `status` must be one of
    /// [`APPROVAL_STATES`] and `limit` within 1..=200 (the gate's default is 50).
    pub async fn list_approvals(
        &self,
        status: Option<&str>,
        limit: Option<u32>,
    ) -> Result<ApprovalList, Error> {
        let mut query = Vec::new();
        if let Some(status) = status {
            if !APPROVAL_STATES.contains(&status) {
                return Err(Error::invalid_input(
                    "status",
                    format!("status {status:?} is not one of {APPROVAL_STATES:?}"),
                ));
            }
            query.push(format!("status={status}"));
        }
        if let Some(limit) = limit {
            if !(1..=200).contains(&limit) {
                return Err(Error::invalid_input(
                    "limit",
                    format!("limit must be within 1..=200, got {limit}"),
                ));
            }
            query.push(format!("limit={limit}"));
        }
        let path = with_query("/v1/approvals".to_owned(), &query);
        self.get(Endpoint::Operator, path, None).await
    }

    /// `GET /v1/approvals/{id}`: the approval with its plan review.
    pub async fn get_approval(&self, approval_id: &str) -> Result<ApprovalDetail, Error> {
        validate::identifier("approval_id", approval_id)?;
        let path = format!("/v1/approvals/{approval_id}");
        self.get(Endpoint::OperatorApproval, path, Some(approval_id))
            .await
    }

    /// `POST /v1/approvals/{id}/approve` (no body): runs the stored plan. Never retried; an
    /// error with [`Error::may_have_executed`] needs reconciling before anything else. A
    /// second approve gets `Conflict`, or `AlreadyDecided` once the approval completed.
    pub async fn approve(
        &self,
        approval_id: &str,
        options: ApproveOptions,
    ) -> Result<ApproveOutcome, Error> {
        validate::identifier("approval_id", approval_id)?;
        let mut query = Vec::new();
        if let Some(domain) = &options.learn_domain {
            query.push(format!("learn_domain={}", percent_encode(domain)));
        }
        if let Some(path) = &options.learn_path {
            query.push(format!("learn_path={}", percent_encode(path)));
        }
        let path = with_query(format!("/v1/approvals/{approval_id}/approve"), &query);
        let answer = self
            .send(Endpoint::Approve, Outgoing::new(Method::POST, path))
            .await;
        Ok(
            match decided(Endpoint::Approve, answer, approval_id, "executed")? {
                Decided::TookEffect(result) => ApproveOutcome::Executed(Box::new(result)),
                Decided::Already(done) => ApproveOutcome::AlreadyDecided(done),
            },
        )
    }

    /// `POST /v1/approvals/{id}/deny`, with `{"reason": r}` when a reason is given and no
    /// body (and no `Content-Type`) otherwise. Works while the gate drains.
    pub async fn deny(
        &self,
        approval_id: &str,
        reason: Option<&str>,
    ) -> Result<DenyOutcome, Error> {
        validate::identifier("approval_id", approval_id)?;
        let mut req = Outgoing::new(Method::POST, format!("/v1/approvals/{approval_id}/deny"));
        if let Some(reason) = reason {
            let body = serde_json::to_vec(&DenyRequest {
                reason: reason.to_owned(),
            })
            .map_err(|e| Error::invalid_input("reason", e.to_string()))?;
            req.body = Some((Bytes::from(body), "application/json"));
        }
        let answer = self.send(Endpoint::Deny, req).await;
        Ok(
            match decided(Endpoint::Deny, answer, approval_id, "deny")? {
                Decided::TookEffect(denied) => DenyOutcome::Denied(denied),
                Decided::Already(done) => DenyOutcome::AlreadyDecided(done),
            },
        )
    }

    /// `GET /v1/receipt-keys`: the Ed25519 keys receipts are signed with (other key types
    /// are skipped; a malformed entry is a `ProtocolError`).
    pub async fn receipt_keys(&self) -> Result<Vec<ReceiptKey>, Error> {
        let req = Outgoing::new(Method::GET, "/v1/receipt-keys");
        let answer = self.send(Endpoint::Operator, req).await;
        let (status, body) = ok_object(Endpoint::Operator, answer, None)?;
        parse_receipt_keys(&body).map_err(|e| {
            debug_assert_eq!(e.kind(), ErrorKind::InvalidInput);
            Error::protocol(Endpoint::Operator, Some(status), e.message().to_owned())
        })
    }

    /// `GET /v1/admin/status`.
    pub async fn admin_status(&self) -> Result<AdminStatus, Error> {
        let path = "/v1/admin/status".to_owned();
        self.get(Endpoint::Operator, path, None).await
    }

    /// `GET /v1/receipts/{id}` on the admin listener, with operator auth.
    pub async fn get_receipt(&self, receipt_id: &str) -> Result<Receipt, Error> {
        validate::identifier("receipt_id", receipt_id)?;
        let req = Outgoing::new(Method::GET, format!("/v1/receipts/{receipt_id}"));
        let answer = self.send(Endpoint::OperatorReceipt, req).await;
        response::receipt(Endpoint::OperatorReceipt, receipt_id, answer)
    }
}

impl OperatorClient {
    /// `GET path` with operator auth, its 200 body read as a `T`; errors name `target_id`.
    async fn get<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        path: String,
        target_id: Option<&str>,
    ) -> Result<T, Error> {
        let answer = self.send(endpoint, Outgoing::new(Method::GET, path)).await;
        ok_typed(endpoint, answer, target_id)
    }
}

/// What a 200 answer to approve or deny says happened.
enum Decided<T> {
    /// The decision took effect (`took_effect` is the answer's `decision`).
    TookEffect(T),
    /// The approval had already completed.
    Already(TerminalDecision),
}

/// Read a decision answer: `took_effect`, or `already_approved|already_denied|already_failed`;
/// any other `decision` is a `ProtocolError`.
fn decided<T: DeserializeOwned>(
    endpoint: Endpoint,
    answer: Result<Incoming, Error>,
    approval_id: &str,
    took_effect: &str,
) -> Result<Decided<T>, Error> {
    let (status, body) = ok_object(endpoint, answer, Some(approval_id))?;
    match body.get("decision").and_then(Value::as_str) {
        Some(d) if d == took_effect => Ok(Decided::TookEffect(typed(endpoint, status, body)?)),
        Some(d) if d.starts_with("already_") && d != "already_completed" => {
            Ok(Decided::Already(typed(endpoint, status, body)?))
        }
        other => {
            let call = if endpoint == Endpoint::Approve {
                "approve"
            } else {
                "deny"
            };
            Err(Error::protocol(
                endpoint,
                Some(status),
                format!("{call} answered decision {other:?}"),
            ))
        }
    }
}

/// `path`, with `query` joined by `&` after a `?` when there is any.
fn with_query(path: String, query: &[String]) -> String {
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// Percent-encode a query value: everything but RFC 3986 unreserved characters.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_encode_keeps_unreserved_and_encodes_the_rest() {
        assert_eq!(super::percent_encode("a.b-c_d~e"), "a.b-c_d~e");
        assert_eq!(
            super::percent_encode("docs/**/*.md é"),
            "docs%2F%2A%2A%2F%2A.md%20%C3%A9"
        );
    }
}
