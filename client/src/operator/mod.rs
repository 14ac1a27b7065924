//! The operator client (SDK-CONTRACT §4): approvals, receipt keys, admin status, receipts,
//! authenticated with an API key and a P-256 key bound to the gate's `dpop_jkt`.

mod builder;
mod calls;

use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderName, HeaderValue, AUTHORIZATION};

use crate::clock::{unix_seconds, Clock};
use crate::crypto::dpop::{build_proof, fresh_jti, DpopKey, ProofClaims};
use crate::crypto::{ath, htu};
use crate::error::{Endpoint, Error};
use crate::secret::Secret;
use crate::transport::{Incoming, Outgoing, Target, Transport};

pub use builder::OperatorClientBuilder;
pub use calls::{ApproveOptions, ApproveOutcome, DenyOutcome, APPROVAL_STATES};

/// An operator of the gate. Cheap to clone and safe to share between tasks.
///
/// ```no_run
/// # async fn demo() -> Result<(), latchgate::Error> {
/// use latchgate::{ApproveOptions, OperatorClient};
/// let operator = OperatorClient::builder()
///     .base_url("http://127.0.0.1:3001")            // the admin listener
///     .public_base_url("http://127.0.0.1:3000")     // the gate's public_base_url
///     .api_key(std::env::var("LATCHGATE_OPERATOR_API_KEY").unwrap_or_default())
///     .key_file(".latchgate/operators/default.pem")
///     .build()?;
/// for pending in operator.list_approvals(Some("pending"), None).await?.approvals {
///     operator.approve(&pending.approval_id, ApproveOptions::default()).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OperatorClient {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    htu_base: String,
    api_key: Secret,
    key: DpopKey,
    timeout: Duration,
    approve_timeout: Duration,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for OperatorClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorClient")
            .field("target", self.inner.transport.target())
            .field("htu_base", &self.inner.htu_base)
            .field("api_key", &self.inner.api_key)
            .field("key", &self.inner.key)
            .finish()
    }
}

impl OperatorClient {
    /// Start configuring an operator client.
    pub fn builder() -> OperatorClientBuilder {
        OperatorClientBuilder::default()
    }

    /// The admin listener requests go to.
    pub fn target(&self) -> &Target {
        self.inner.transport.target()
    }

    /// The htu base of every proof (the gate's `public_base_url`, never the admin address).
    pub fn htu_base(&self) -> &str {
        &self.inner.htu_base
    }

    /// RFC 7638 thumbprint of the operator key: must equal the gate's `dpop_jkt`.
    pub fn key_thumbprint(&self) -> String {
        self.inner.key.thumbprint()
    }

    async fn send(&self, endpoint: Endpoint, mut req: Outgoing) -> Result<Incoming, Error> {
        let inner = &self.inner;
        let route = req.path.split('?').next().unwrap_or_default();
        let joined = htu::join(&inner.htu_base, route);
        let claims = ProofClaims {
            jti: fresh_jti(),
            htm: req.method.as_str().to_ascii_uppercase(),
            htu: htu::normalize(&joined).unwrap_or(joined),
            iat: unix_seconds(inner.clock.now()),
            ath: ath(inner.api_key.expose()),
        };
        let proof = build_proof(&inner.key, &claims);
        let mut authorization = HeaderValue::from_str(&format!("DPoP {}", inner.api_key.expose()))
            .map_err(|_| {
                Error::invalid_input("api_key", "the API key is not a valid header value")
            })?;
        authorization.set_sensitive(true);
        let mut dpop = HeaderValue::from_str(&proof)
            .map_err(|_| Error::invalid_input("key", "the proof is not a valid header value"))?;
        dpop.set_sensitive(true);
        req.headers.push((AUTHORIZATION, authorization));
        req.headers.push((HeaderName::from_static("dpop"), dpop));
        let deadline = if endpoint == Endpoint::Approve {
            inner.approve_timeout
        } else {
            inner.timeout
        };
        inner.transport.send(endpoint, req, deadline).await
    }
}
