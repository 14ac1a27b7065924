//! Unauthenticated discovery (C-DISC, C-EGR): no lease, no `Authorization`, no `DPoP`.

use http::Method;
use serde_json::Value;

use super::Client;
use crate::error::{map_response, Endpoint, Error};
use crate::response::{expect_status, json_object, typed};
use crate::transport::Outgoing;
use crate::validate;
use crate::wire::{ActionDetail, ActionList, ActionSummary, Health, Readiness};

impl Client {
    async fn discover(&self, path: String, ok: &[u16]) -> Result<(u16, Value), Error> {
        self.inner.ensure_open()?;
        let incoming = self
            .inner
            .send_plain(Endpoint::Discovery, Outgoing::new(Method::GET, path))
            .await?;
        let incoming = expect_status(Endpoint::Discovery, incoming, ok)?;
        Ok((
            incoming.status,
            json_object(Endpoint::Discovery, &incoming)?,
        ))
    }

    /// `GET /v1/actions`: every registered action, sorted by id.
    pub async fn list_actions(&self) -> Result<Vec<ActionSummary>, Error> {
        let (status, body) = self.discover("/v1/actions".to_owned(), &[200]).await?;
        Ok(typed::<ActionList>(Endpoint::Discovery, status, body)?.actions)
    }

    /// `GET /v1/actions/{id}`: the action's manifest facts, with `egress` exactly as the gate
    /// sent it (interpret it with [`ActionDetail::egress_profile`]). Unknown id → `NotFound`.
    pub async fn get_action(&self, action_id: &str) -> Result<ActionDetail, Error> {
        validate::identifier("action_id", action_id)?;
        let (status, body) = self
            .discover(format!("/v1/actions/{action_id}"), &[200])
            .await
            .map_err(|e| e.with_target_id(action_id))?;
        typed(Endpoint::Discovery, status, body)
    }

    /// `GET /v1/actions/{id}/schema/request`: the raw request JSON Schema. Unknown action or
    /// no schema → `NotFound`.
    pub async fn get_request_schema(&self, action_id: &str) -> Result<Value, Error> {
        validate::identifier("action_id", action_id)?;
        let (_, body) = self
            .discover(format!("/v1/actions/{action_id}/schema/request"), &[200])
            .await
            .map_err(|e| e.with_target_id(action_id))?;
        Ok(body)
    }

    /// `GET /healthz`.
    pub async fn healthz(&self) -> Result<Health, Error> {
        let (status, body) = self.discover("/healthz".to_owned(), &[200]).await?;
        typed(Endpoint::Discovery, status, body)
    }

    /// `GET /readyz`: a 503 carrying the readiness object is a result with a status other
    /// than `ready`, not an error.
    pub async fn readyz(&self) -> Result<Readiness, Error> {
        self.inner.ensure_open()?;
        let req = Outgoing::new(Method::GET, "/readyz");
        let incoming = self.inner.send_plain(Endpoint::Discovery, req).await?;
        if incoming.status == 503 {
            // Only a 503 that carries the readiness object is a result.
            let readiness = json_object(Endpoint::Discovery, &incoming)
                .and_then(|body| typed::<Readiness>(Endpoint::Discovery, 503, body));
            return readiness.map_err(|_| {
                map_response(
                    Endpoint::Discovery,
                    503,
                    incoming.retry_after.as_deref(),
                    &incoming.body,
                )
            });
        }
        let incoming = expect_status(Endpoint::Discovery, incoming, &[200])?;
        typed(
            Endpoint::Discovery,
            incoming.status,
            json_object(Endpoint::Discovery, &incoming)?,
        )
    }

    /// `GET /.well-known/jwks.json`: the gate's lease-signing key set, raw.
    pub async fn lease_jwks(&self) -> Result<Value, Error> {
        Ok(self
            .discover("/.well-known/jwks.json".to_owned(), &[200])
            .await?
            .1)
    }
}
