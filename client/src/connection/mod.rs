//! What the agent and the operator client share: the configured way to one gate listener
//! (transport, htu base, deadlines, clock) and DPoP-signed requests over it (C-DPOP-08,
//! C-NET-01).

mod settings;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::header::{HeaderName, HeaderValue, AUTHORIZATION};

use crate::clock::{unix_seconds, Clock};
use crate::crypto::dpop::{build_proof, fresh_jti, DpopKey, ProofClaims};
use crate::crypto::{ath, htu};
use crate::error::{Endpoint, Error};
use crate::transport::{Incoming, Outgoing, Target, Transport};

pub(crate) use settings::{shared_setters, Role, Settings};
pub use settings::{DEFAULT_EXECUTE_TIMEOUT, DEFAULT_TIMEOUT};

/// One gate listener, as a built client talks to it.
pub(crate) struct Connection {
    transport: Transport,
    htu_base: String,
    timeout: Duration,
    /// The deadline of the requests that can run an action (execute, approve).
    long_timeout: Duration,
    clock: Arc<dyn Clock>,
}

/// The header of a signed request that could not be built.
#[derive(Clone, Copy, Debug)]
pub(crate) enum BadHeader {
    /// `Authorization: DPoP <token>`.
    Token,
    /// `DPoP: <proof>`.
    Proof,
}

/// What a signed request proves: possession of `key`, bound to `token` by the proof's `ath`.
pub(crate) struct Credential<'a> {
    pub key: &'a DpopKey,
    pub token: &'a str,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("target", self.target())
            .field("htu_base", &self.htu_base)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// The transport target (TCP base URL or socket path).
    pub(crate) fn target(&self) -> &Target {
        self.transport.target()
    }

    /// The base every proof's `htu` is built from (the gate's `public_base_url`).
    pub(crate) fn htu_base(&self) -> &str {
        &self.htu_base
    }

    /// The client's clock.
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The client's current time.
    pub(crate) fn now(&self) -> SystemTime {
        self.clock.now()
    }

    fn deadline(&self, endpoint: Endpoint) -> Duration {
        if endpoint.can_execute() {
            self.long_timeout
        } else {
            self.timeout
        }
    }

    /// Send a request without credentials.
    pub(crate) async fn send(&self, endpoint: Endpoint, req: Outgoing) -> Result<Incoming, Error> {
        self.transport
            .send(endpoint, req, self.deadline(endpoint))
            .await
    }

    /// Send a request with `Authorization: DPoP <token>` and a proof built now for `key`;
    /// `bad_header` says what a header that cannot be built is.
    pub(crate) async fn send_signed(
        &self,
        endpoint: Endpoint,
        mut req: Outgoing,
        credential: Credential<'_>,
        bad_header: impl Fn(BadHeader) -> Error,
    ) -> Result<Incoming, Error> {
        let route = req.path.split('?').next().unwrap_or_default();
        let joined = htu::join(&self.htu_base, route);
        let claims = ProofClaims {
            jti: fresh_jti(),
            htm: req.method.as_str().to_ascii_uppercase(),
            htu: htu::normalize(&joined).unwrap_or(joined),
            iat: unix_seconds(self.clock.now()),
            ath: ath(credential.token),
        };
        let proof = build_proof(credential.key, &claims);
        let sensitive = |value: String, which: BadHeader| {
            let mut value = HeaderValue::from_str(&value).map_err(|_| bad_header(which))?;
            value.set_sensitive(true);
            Ok::<_, Error>(value)
        };
        let authorization = format!("DPoP {}", credential.token);
        let authorization = sensitive(authorization, BadHeader::Token)?;
        let dpop = sensitive(proof, BadHeader::Proof)?;
        req.headers.push((AUTHORIZATION, authorization));
        req.headers.push((HeaderName::from_static("dpop"), dpop));
        self.send(endpoint, req).await
    }
}
