//! Lease acquisition, renewal and coalescing (SDK-CONTRACT C-KEY-01, C-LEASE, C-CONN).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::Method;
use tokio::sync::watch;

use super::types::{ConnectOptions, LeaseCause, LeaseEvent, LeaseInfo, LeaseParams};
use super::{Client, Inner};
use crate::crypto::dpop::DpopKey;
use crate::error::{Endpoint, Error, ErrorKind};
use crate::response::{non_empty, ok_typed};
use crate::secret::Secret;
use crate::transport::Outgoing;
use crate::validate;
use crate::wire::{Budgets, LeaseRequest, LeaseResponse};

/// Renew when strictly less than this is left (C-CONN-02).
pub(crate) const RENEWAL_WINDOW: Duration = Duration::from_secs(60);

/// A held lease: its key never leaves this struct, its JWT is a [`Secret`].
pub(crate) struct Lease {
    pub key: DpopKey,
    pub jwt: Secret,
    pub session_id: String,
    pub lease_jti: String,
    pub expires_at: SystemTime,
    pub expires_at_text: String,
    pub fs_root: Option<String>,
    /// The gate answered `lease_expired` or `invalid_lease` for this lease.
    pub rejected: AtomicBool,
}

impl Lease {
    pub(crate) fn info(&self) -> LeaseInfo {
        LeaseInfo {
            session_id: self.session_id.clone(),
            lease_jti: self.lease_jti.clone(),
            expires_at: self.expires_at,
            expires_at_text: self.expires_at_text.clone(),
            fs_root: self.fs_root.clone(),
        }
    }

    pub(crate) fn expired_at(&self, now: SystemTime) -> bool {
        now >= self.expires_at
    }

    /// Still usable for polling the approvals it created (C-APPR-08).
    pub(crate) fn usable_at(&self, now: SystemTime) -> bool {
        !self.expired_at(now) && !self.rejected.load(Ordering::SeqCst)
    }

    fn needs_renewal_at(&self, now: SystemTime) -> bool {
        match self.expires_at.duration_since(now) {
            Ok(left) => left < RENEWAL_WINDOW,
            Err(_) => true,
        }
    }
}

type FlightResult = Option<Result<Arc<Lease>, Error>>;

/// Mutable client state, behind one mutex that is never held across an await.
#[derive(Default)]
pub(crate) struct LeaseState {
    pub current: Option<Arc<Lease>>,
    pub params: Option<LeaseParams>,
    /// A lease was held at some point (without auto-renewal, only the first one is lazy).
    pub ever_leased: bool,
    pub closed: bool,
    /// The lease that created each approval still being waited for (C-APPR-08).
    pub approvals: HashMap<String, Arc<Lease>>,
    /// The coalesced lease request in flight, if any (C-CONN-04).
    inflight: Option<watch::Receiver<FlightResult>>,
}

enum Plan {
    Use(Arc<Lease>),
    Renew(Arc<Lease>),
    Acquire,
}

impl Client {
    /// Request a lease with `options` now, replacing the current one and the recorded lease
    /// parameters on success. Never coalesced with automatic renewals (C-CONN-04).
    pub async fn connect(&self, options: ConnectOptions) -> Result<LeaseInfo, Error> {
        let scopes = options
            .scopes
            .unwrap_or_else(|| LeaseParams::default().scopes);
        validate::scopes(&scopes)?;
        if let Some(n) = options.max_calls {
            validate::max_calls(n)?;
        }
        if let Some(root) = &options.fs_root {
            validate::fs_root(root)?;
        }
        self.inner.ensure_open()?;
        let params = LeaseParams {
            scopes,
            max_calls: options.max_calls,
            fs_root: options.fs_root,
        };
        let lease = self.inner.request_lease(&params).await?;
        self.inner
            .install(lease.clone(), params, LeaseCause::Explicit);
        Ok(lease.info())
    }
}

impl Inner {
    /// The lease to use for an agent request, obtaining or renewing one if needed.
    pub(crate) async fn ensure_lease(self: &Arc<Self>) -> Result<Arc<Lease>, Error> {
        let plan = self.plan(self.link.now())?;
        let renewing = match plan {
            Plan::Use(lease) => return Ok(lease),
            Plan::Renew(lease) => Some(lease),
            Plan::Acquire => None,
        };
        let result = self.join_flight().await;
        match (result, renewing) {
            (Ok(lease), _) => Ok(lease),
            (Err(error), Some(current))
                if matches!(
                    error.kind(),
                    ErrorKind::Unavailable | ErrorKind::TransportError
                ) && !current.expired_at(self.link.now()) =>
            {
                self.emit(LeaseEvent::RenewalFailed {
                    session_id: current.session_id.clone(),
                    error,
                });
                Ok(current)
            }
            (Err(error), _) => Err(error),
        }
    }

    fn plan(&self, now: SystemTime) -> Result<Plan, Error> {
        let state = self.state();
        if state.closed {
            return Err(Error::new(ErrorKind::Closed, "the client was closed"));
        }
        match &state.current {
            Some(lease) if !lease.needs_renewal_at(now) => Ok(Plan::Use(lease.clone())),
            Some(lease) if !self.auto_renew => {
                if lease.expired_at(now) {
                    Err(Error::new(
                        ErrorKind::LeaseExpired,
                        "the lease expired and auto_renew is off",
                    ))
                } else {
                    Ok(Plan::Use(lease.clone()))
                }
            }
            Some(lease) => Ok(Plan::Renew(lease.clone())),
            None if state.params.is_none() && self.agent_id.is_none() => Err(Error::new(
                ErrorKind::NotConnected,
                "no lease is held: call connect() or give the client an agent_id",
            )),
            None if !self.auto_renew && state.ever_leased => Err(Error::new(
                ErrorKind::LeaseExpired,
                "the lease was rejected by the gate and auto_renew is off; call connect()",
            )),
            None => Ok(Plan::Acquire),
        }
    }

    /// Join the lease request in flight, or start one with the recorded parameters.
    async fn join_flight(self: &Arc<Self>) -> Result<Arc<Lease>, Error> {
        let mut receiver = {
            let mut state = self.state();
            match &state.inflight {
                Some(receiver) => receiver.clone(),
                None => {
                    let params = state.params.clone().unwrap_or_default();
                    let (sender, receiver) = watch::channel(None);
                    state.inflight = Some(receiver.clone());
                    let inner = Arc::clone(self);
                    // A task of its own, so a caller that gives up does not cancel the
                    // request every other waiter depends on.
                    tokio::spawn(async move {
                        let result = inner.request_lease(&params).await;
                        inner.state().inflight = None;
                        if let Ok(lease) = &result {
                            let cause = if inner.state().current.is_some() {
                                LeaseCause::Renewal
                            } else {
                                LeaseCause::Relogin
                            };
                            inner.install(lease.clone(), params, cause);
                        }
                        let _ = sender.send(Some(result));
                    });
                    receiver
                }
            }
        };
        let outcome = match receiver.wait_for(Option::is_some).await {
            Ok(done) => done.clone().unwrap_or_else(|| Err(abandoned())),
            Err(_) => Err(abandoned()),
        };
        outcome
    }

    /// Make `lease` current, record its parameters, and notify.
    pub(crate) fn install(&self, lease: Arc<Lease>, params: LeaseParams, cause: LeaseCause) {
        let old = {
            let mut state = self.state();
            if state.closed {
                return;
            }
            state.params = Some(params);
            state.ever_leased = true;
            let now = self.link.now();
            state.approvals.retain(|_, l| !l.expired_at(now));
            state.current.replace(lease.clone())
        };
        tracing::debug!(agent_id = ?self.agent_id, session_id = %lease.session_id, cause = cause.as_str(), "new lease");
        self.emit(LeaseEvent::Changed {
            old_session_id: old.map(|l| l.session_id.clone()),
            new_session_id: lease.session_id.clone(),
            cause,
        });
    }

    /// Drop `used` if it is still current (after 401 `lease_expired`/`invalid_lease`).
    pub(crate) fn discard(&self, used: &Arc<Lease>) {
        used.rejected.store(true, Ordering::SeqCst);
        let dropped = {
            let mut state = self.state();
            match &state.current {
                Some(current) if Arc::ptr_eq(current, used) => state.current.take(),
                _ => None,
            }
        };
        if let Some(lease) = dropped {
            self.emit(LeaseEvent::Discarded {
                session_id: lease.session_id.clone(),
            });
        }
    }

    /// `POST /v1/leases` with a fresh key (C-KEY-01, C-LEASE-01/02).
    pub(crate) async fn request_lease(&self, params: &LeaseParams) -> Result<Arc<Lease>, Error> {
        let key = DpopKey::generate();
        let body = LeaseRequest {
            scopes: params.scopes.clone(),
            dpop_jwk: key.public_jwk(),
            budgets: params.max_calls.map(|n| Budgets { max_calls: Some(n) }),
            fs_root: params.fs_root.clone(),
        };
        let bytes = serde_json::to_vec(&body).map_err(|e| {
            Error::invalid_input("scopes", format!("cannot serialise the lease request: {e}"))
        })?;
        let mut req = Outgoing::new(Method::POST, "/v1/leases");
        req.body = Some((Bytes::from(bytes), "application/json"));
        let answer = self.link.send(Endpoint::Lease, req).await;
        let answer: LeaseResponse = ok_typed(Endpoint::Lease, answer, None)?;
        let status = 200;
        for (name, value) in [
            ("lease_jwt", &answer.lease_jwt),
            ("session_id", &answer.session_id),
            ("lease_jti", &answer.lease_jti),
            ("expires_at", &answer.expires_at),
        ] {
            non_empty(Endpoint::Lease, status, name, value)?;
        }
        let expires_at = chrono::DateTime::parse_from_rfc3339(&answer.expires_at)
            .map_err(|e| {
                Error::protocol(
                    Endpoint::Lease,
                    Some(status),
                    format!("expires_at {:?} is not RFC 3339: {e}", answer.expires_at),
                )
            })
            .map(SystemTime::from)?;
        Ok(Arc::new(Lease {
            key,
            jwt: Secret::new(answer.lease_jwt),
            session_id: answer.session_id,
            lease_jti: answer.lease_jti,
            expires_at,
            expires_at_text: answer.expires_at,
            fs_root: answer.fs_root,
            rejected: AtomicBool::new(false),
        }))
    }
}

fn abandoned() -> Error {
    Error::transport(
        Endpoint::Lease,
        false,
        "the lease request was abandoned (the runtime is shutting down)",
        None,
    )
}
