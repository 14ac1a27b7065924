//! Operator routes (C-OP-04..07).

use bytes::Bytes;
use http::Method;

use super::OperatorClient;
use crate::agent::ActionResult;
use crate::error::{Endpoint, Error, ErrorKind};
use crate::receipt::{parse_receipt_keys, Receipt, ReceiptKey};
use crate::response::{expect_status, json_object, typed};
use crate::transport::Outgoing;
use crate::validate;
use crate::wire::{
    AdminStatus, ApprovalDetail, ApprovalList, DenyRequest, DenyResponse, TerminalDecision,
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
    Executed(Box<ActionResult>),
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
        let path = if query.is_empty() {
            "/v1/approvals".to_owned()
        } else {
            format!("/v1/approvals?{}", query.join("&"))
        };
        let incoming = self
            .send(Endpoint::Operator, Outgoing::new(Method::GET, path))
            .await?;
        let incoming = expect_status(Endpoint::Operator, incoming, &[200])?;
        typed(
            Endpoint::Operator,
            200,
            json_object(Endpoint::Operator, &incoming)?,
        )
    }

    /// `GET /v1/approvals/{id}`: the approval with its plan review.
    pub async fn get_approval(&self, approval_id: &str) -> Result<ApprovalDetail, Error> {
        validate::identifier("approval_id", approval_id)?;
        let req = Outgoing::new(Method::GET, format!("/v1/approvals/{approval_id}"));
        let incoming = self
            .send(Endpoint::OperatorApproval, req)
            .await
            .and_then(|i| expect_status(Endpoint::OperatorApproval, i, &[200]))
            .map_err(|e| e.with_target_id(approval_id))?;
        typed(
            Endpoint::OperatorApproval,
            200,
            json_object(Endpoint::OperatorApproval, &incoming)?,
        )
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
        let mut path = format!("/v1/approvals/{approval_id}/approve");
        if !query.is_empty() {
            path = format!("{path}?{}", query.join("&"));
        }
        let incoming = self
            .send(Endpoint::Approve, Outgoing::new(Method::POST, path))
            .await
            .and_then(|i| expect_status(Endpoint::Approve, i, &[200]))
            .map_err(|e| e.with_target_id(approval_id))?;
        let body = json_object(Endpoint::Approve, &incoming)?;
        match body.get("decision").and_then(|d| d.as_str()) {
            Some("executed") => Ok(ApproveOutcome::Executed(Box::new(typed(
                Endpoint::Approve,
                200,
                body,
            )?))),
            Some(d) if d.starts_with("already_") && d != "already_completed" => Ok(
                ApproveOutcome::AlreadyDecided(typed(Endpoint::Approve, 200, body)?),
            ),
            other => Err(Error::protocol(
                Endpoint::Approve,
                Some(200),
                format!("approve answered decision {other:?}"),
            )),
        }
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
        let incoming = self
            .send(Endpoint::Deny, req)
            .await
            .and_then(|i| expect_status(Endpoint::Deny, i, &[200]))
            .map_err(|e| e.with_target_id(approval_id))?;
        let body = json_object(Endpoint::Deny, &incoming)?;
        match body.get("decision").and_then(|d| d.as_str()) {
            Some("deny") => Ok(DenyOutcome::Denied(typed(Endpoint::Deny, 200, body)?)),
            Some(d) if d.starts_with("already_") && d != "already_completed" => Ok(
                DenyOutcome::AlreadyDecided(typed(Endpoint::Deny, 200, body)?),
            ),
            other => Err(Error::protocol(
                Endpoint::Deny,
                Some(200),
                format!("deny answered decision {other:?}"),
            )),
        }
    }

    /// `GET /v1/receipt-keys`: the Ed25519 keys receipts are signed with (other key types
    /// are skipped; a malformed entry is a `ProtocolError`).
    pub async fn receipt_keys(&self) -> Result<Vec<ReceiptKey>, Error> {
        let req = Outgoing::new(Method::GET, "/v1/receipt-keys");
        let incoming = self.send(Endpoint::Operator, req).await?;
        let incoming = expect_status(Endpoint::Operator, incoming, &[200])?;
        let body = json_object(Endpoint::Operator, &incoming)?;
        parse_receipt_keys(&body).map_err(|e| {
            debug_assert_eq!(e.kind(), ErrorKind::InvalidInput);
            Error::protocol(Endpoint::Operator, Some(200), e.message().to_owned())
        })
    }

    /// `GET /v1/admin/status`.
    pub async fn admin_status(&self) -> Result<AdminStatus, Error> {
        let req = Outgoing::new(Method::GET, "/v1/admin/status");
        let incoming = self.send(Endpoint::Operator, req).await?;
        let incoming = expect_status(Endpoint::Operator, incoming, &[200])?;
        typed(
            Endpoint::Operator,
            200,
            json_object(Endpoint::Operator, &incoming)?,
        )
    }

    /// `GET /v1/receipts/{id}` on the admin listener, with operator auth.
    pub async fn get_receipt(&self, receipt_id: &str) -> Result<Receipt, Error> {
        validate::identifier("receipt_id", receipt_id)?;
        let req = Outgoing::new(Method::GET, format!("/v1/receipts/{receipt_id}"));
        let incoming = self
            .send(Endpoint::OperatorReceipt, req)
            .await
            .and_then(|i| expect_status(Endpoint::OperatorReceipt, i, &[200]))
            .map_err(|e| e.with_target_id(receipt_id))?;
        let receipt = Receipt::from_json(json_object(Endpoint::OperatorReceipt, &incoming)?)?;
        if receipt.receipt_id() != receipt_id {
            return Err(Error::protocol(
                Endpoint::OperatorReceipt,
                Some(200),
                format!(
                    "asked for receipt {receipt_id:?}, got {:?}",
                    receipt.receipt_id()
                ),
            ));
        }
        Ok(receipt)
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
