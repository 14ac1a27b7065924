//! Agent endpoints: execute, receipts and approval polling (C-REQ, C-BODY, C-APPR, C-RCPT).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use serde_json::Value;

use super::lease::Lease;
use super::types::ApprovalStatus;
use super::Client;
use crate::error::{ApprovalRequired, Endpoint, Error, ErrorKind};
use crate::receipt::Receipt;
use crate::response::{self, expect_status, typed_object};
use crate::transport::{Incoming, Outgoing};
use crate::validate;
use crate::wire::{ApprovalPending, ExecutionResponse, PollResponse};

/// The result of an executed action (the gate's 200 execution body).
pub type ActionResult = ExecutionResponse;

/// Default deadline of [`Client::wait_for_approval`]: the approval TTL.
pub const DEFAULT_APPROVAL_WAIT: Duration = Duration::from_secs(300);

impl Client {
    /// Execute `action_id` with `params` (a JSON object, sent as the body itself).
    ///
    /// A 202 is `Err` of kind `ApprovalRequired` (see [`Error::approval`]): poll it with
    /// [`Client::get_approval_status`] or [`Client::wait_for_approval`]. Never retried
    /// automatically; on an error with [`Error::may_have_executed`], reconcile through the
    /// trace, receipt or audit log before resubmitting.
    pub async fn execute(&self, action_id: &str, params: Value) -> Result<ActionResult, Error> {
        validate::identifier("action_id", action_id)?;
        let body = validate::params(&params)?;
        let lease = self.inner.ensure_lease().await?;
        let mut req = Outgoing::new(Method::POST, format!("/v1/actions/{action_id}/execute"));
        req.body = Some((Bytes::from(body), "application/json"));
        let incoming = self
            .agent_call(Endpoint::Exec, req, &lease)
            .await
            .map_err(|e| e.with_target_id(action_id))?;
        if incoming.status == 202 {
            return Err(self.approval_required(&incoming, &lease));
        }
        let incoming = expect_status(Endpoint::Exec, incoming, &[200])
            .map_err(|e| self.htu_hint(e).with_target_id(action_id))?;
        let result: ExecutionResponse = typed_object(Endpoint::Exec, &incoming)?;
        if result.decision != "executed" {
            return Err(Error::protocol(
                Endpoint::Exec,
                Some(incoming.status),
                format!("decision is {:?}, expected \"executed\"", result.decision),
            ));
        }
        Ok(result)
    }

    fn approval_required(&self, incoming: &Incoming, lease: &Arc<Lease>) -> Error {
        let pending: ApprovalPending = match typed_object(Endpoint::Exec, incoming) {
            Ok(p) => p,
            Err(e) => return e,
        };
        if pending.approval_id.is_empty() {
            return Error::protocol(Endpoint::Exec, Some(202), "approval_id is empty");
        }
        self.inner
            .state()
            .approvals
            .insert(pending.approval_id.clone(), lease.clone());
        Error::approval_required(ApprovalRequired {
            approval_id: pending.approval_id,
            request_hash: pending.request_hash,
            trace_id: pending.trace_id,
            session_id: Some(lease.session_id.clone()),
        })
    }

    /// Fetch a receipt over the client socket with lease auth (C-RCPT-01). Verify it offline
    /// with [`Receipt::verify`]; the gate's `signature_status` is not a verification.
    pub async fn get_receipt(&self, receipt_id: &str) -> Result<Receipt, Error> {
        validate::identifier("receipt_id", receipt_id)?;
        let lease = self.inner.ensure_lease().await?;
        let req = Outgoing::new(Method::GET, format!("/v1/receipts/{receipt_id}"));
        let answer = self.agent_call(Endpoint::Receipt, req, &lease).await;
        response::receipt(Endpoint::Receipt, receipt_id, answer)
    }

    /// Poll an approval once (C-APPR-03). While the lease that created it is unexpired it is
    /// polled with that lease; a 404 after a session change has [`Error::stale_session`].
    pub async fn get_approval_status(&self, approval_id: &str) -> Result<ApprovalStatus, Error> {
        validate::identifier("approval_id", approval_id)?;
        self.inner.ensure_open()?;
        let creator = self.inner.state().approvals.get(approval_id).cloned();
        let now = self.inner.link.now();
        let lease = match creator.clone() {
            Some(lease) if lease.usable_at(now) => lease,
            _ => self.inner.ensure_lease().await?,
        };
        let req = Outgoing::new(Method::GET, format!("/v1/approvals/{approval_id}/poll"));
        let incoming = self.agent_call(Endpoint::Poll, req, &lease).await?;
        let incoming = expect_status(Endpoint::Poll, incoming, &[200]).map_err(|e| {
            let stale = e.kind() == ErrorKind::NotFound
                && creator
                    .as_ref()
                    .is_some_and(|c| c.session_id != lease.session_id);
            e.with_target_id(approval_id).with_stale_session(stale)
        })?;
        let poll: PollResponse = typed_object(Endpoint::Poll, &incoming)?;
        if poll.status == "approved" && poll.receipt_id.as_deref().is_none_or(str::is_empty) {
            return Err(Error::protocol(
                Endpoint::Poll,
                Some(incoming.status),
                "status approved without a receipt_id",
            ));
        }
        let result = ApprovalStatus {
            approval_id: approval_id.to_owned(),
            status: poll.status,
            receipt_id: poll.receipt_id,
            reason: poll.reason,
            retry_after_seconds: poll.retry_after_seconds,
        };
        if result.is_terminal() {
            self.inner.state().approvals.remove(approval_id);
        }
        Ok(result)
    }

    /// Poll until the approval is approved, denied or failed, or until `timeout` (default
    /// 300 s, on the client's clock) passes, then return the last status (`pending`).
    ///
    /// Sleeps `retry_after_seconds` clamped to 1..=30 s (default 2 s). `Unavailable`,
    /// `TransportError` and `ReplayDetected` do not stop the wait; any other error is
    /// returned. The action is never executed again.
    pub async fn wait_for_approval(
        &self,
        approval_id: &str,
        timeout: Option<Duration>,
    ) -> Result<ApprovalStatus, Error> {
        validate::identifier("approval_id", approval_id)?;
        let clock = self.inner.link.clock().clone();
        let deadline = clock.now() + timeout.unwrap_or(DEFAULT_APPROVAL_WAIT);
        let mut last: Result<ApprovalStatus, Error>;
        loop {
            last = self.get_approval_status(approval_id).await;
            let delay = match &last {
                Ok(status) if status.is_terminal() => return last,
                Ok(status) => status.retry_after_seconds.unwrap_or(2).clamp(1, 30),
                Err(e) if retryable_while_waiting(e.kind()) => 2,
                Err(_) => return last,
            };
            let Ok(left) = deadline.duration_since(clock.now()) else {
                return last;
            };
            if left.is_zero() {
                return last;
            }
            clock.sleep(Duration::from_secs(delay).min(left)).await;
        }
    }

    /// Send an agent request; on 401 `lease_expired` or `invalid_lease` from EXEC or RCPT,
    /// drop the lease so the next call re-leases (C-CONN-09).
    async fn agent_call(
        &self,
        endpoint: Endpoint,
        req: Outgoing,
        lease: &Arc<Lease>,
    ) -> Result<Incoming, Error> {
        let incoming = self.inner.send_with_lease(endpoint, req, lease).await?;
        if incoming.status == 401 && matches!(endpoint, Endpoint::Exec | Endpoint::Receipt) {
            let code = serde_json::from_slice::<Value>(&incoming.body)
                .ok()
                .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned));
            if matches!(code.as_deref(), Some("lease_expired" | "invalid_lease")) {
                self.inner.discard(lease);
            }
        }
        Ok(incoming)
    }
}

impl Client {
    /// C-URL-05: point at `public_base_url` when the gate reports an htu mismatch.
    fn htu_hint(&self, error: Error) -> Error {
        if error.code() == Some("invalid_dpop")
            && error.reason().is_some_and(|r| r.contains("htu mismatch"))
        {
            let hint = format!(
                " (proofs use the htu base {:?}; set public_base_url to the gate's public_base_url)",
                self.inner.link.htu_base()
            );
            return error.append_message(&hint);
        }
        error
    }
}

fn retryable_while_waiting(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Unavailable | ErrorKind::TransportError | ErrorKind::ReplayDetected
    )
}
