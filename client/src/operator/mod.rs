//! The operator client (SDK-CONTRACT §4): approvals, receipt keys, admin status, receipts,
//! authenticated with an API key and a P-256 key bound to the gate's `dpop_jkt`.

mod builder;
mod calls;

use std::sync::Arc;

use crate::connection::{BadHeader, Connection, Credential};
use crate::crypto::dpop::DpopKey;
use crate::error::{Endpoint, Error};
use crate::secret::Secret;
use crate::transport::{Incoming, Outgoing, Target};

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
    link: Connection,
    api_key: Secret,
    key: DpopKey,
}

impl std::fmt::Debug for OperatorClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorClient")
            .field("target", self.inner.link.target())
            .field("htu_base", &self.inner.link.htu_base())
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
        self.inner.link.target()
    }

    /// The htu base of every proof (the gate's `public_base_url`, never the admin address).
    pub fn htu_base(&self) -> &str {
        self.inner.link.htu_base()
    }

    /// RFC 7638 thumbprint of the operator key: must equal the gate's `dpop_jkt`.
    pub fn key_thumbprint(&self) -> String {
        self.inner.key.thumbprint()
    }

    async fn send(&self, endpoint: Endpoint, req: Outgoing) -> Result<Incoming, Error> {
        let credential = Credential {
            key: &self.inner.key,
            token: self.inner.api_key.expose(),
        };
        let bad_header = |which| match which {
            BadHeader::Token => {
                Error::invalid_input("api_key", "the API key is not a valid header value")
            }
            BadHeader::Proof => {
                Error::invalid_input("key", "the proof is not a valid header value")
            }
        };
        self.inner
            .link
            .send_signed(endpoint, req, credential, bad_header)
            .await
    }
}
