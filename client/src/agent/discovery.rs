//! Unauthenticated discovery (C-DISC, C-EGR): no lease, no `Authorization`, no `DPoP`.

use http::Method;
use serde_json::Value;

use super::Client;
use crate::error::{map_response, Endpoint, Error};
use crate::response::{ok_object, ok_typed, typed, typed_object};
use crate::transport::Outgoing;
use crate::validate;
use crate::wire::{ActionDetail, ActionList, ActionSummary, Health, Readiness};

impl Client {
    async fn discover(&self, path: String) -> Result<(u16, Value), Error> {
        self.inner.ensure_open()?;
        let req = Outgoing::new(Method::GET, path);
        let answer = self.inner.link.send(Endpoint::Discovery, req).await;
        ok_object(Endpoint::Discovery, answer, None)
    }

    /// Discovery about one action: `GET /v1/actions/{action_id}{rest}`.
    async fn discover_action(&self, action_id: &str, rest: &str) -> Result<(u16, Value), Error> {
        validate::identifier("action_id", action_id)?;
        self.discover(format!("/v1/actions/{action_id}{rest}"))
            .await
            .map_err(|e| e.with_target_id(action_id))
    }

    /// `GET /v1/actions`: every registered action, sorted by id.
    pub async fn list_actions(&self) -> Result<Vec<ActionSummary>, Error> {
        let (status, body) = self.discover("/v1/actions".to_owned()).await?;
        Ok(typed::<ActionList>(Endpoint::Discovery, status, body)?.actions)
    }

    /// `GET /v1/actions/{id}`: the action's manifest facts, with `egress` exactly as the gate
    /// sent it (interpret it with [`ActionDetail::egress_profile`]). Unknown id → `NotFound`.
    pub async fn get_action(&self, action_id: &str) -> Result<ActionDetail, Error> {
        let (status, body) = self.discover_action(action_id, "").await?;
        typed(Endpoint::Discovery, status, body)
    }

    /// `GET /v1/actions/{id}/schema/request`: the raw request JSON Schema. Unknown action or
    /// no schema → `NotFound`.
    pub async fn get_request_schema(&self, action_id: &str) -> Result<Value, Error> {
        Ok(self.discover_action(action_id, "/schema/request").await?.1)
    }

    /// `GET /healthz`.
    pub async fn healthz(&self) -> Result<Health, Error> {
        let (status, body) = self.discover("/healthz".to_owned()).await?;
        typed(Endpoint::Discovery, status, body)
    }

    /// `GET /readyz`: a 503 carrying the readiness object is a result with a status other
    /// than `ready`, not an error.
    pub async fn readyz(&self) -> Result<Readiness, Error> {
        self.inner.ensure_open()?;
        let req = Outgoing::new(Method::GET, "/readyz");
        let incoming = self.inner.link.send(Endpoint::Discovery, req).await?;
        if incoming.status == 503 {
            // Only a 503 that carries the readiness object is a result.
            let readiness = typed_object::<Readiness>(Endpoint::Discovery, &incoming);
            return readiness.map_err(|_| {
                map_response(
                    Endpoint::Discovery,
                    503,
                    incoming.retry_after.as_deref(),
                    &incoming.body,
                )
            });
        }
        ok_typed(Endpoint::Discovery, Ok(incoming), None)
    }

    /// `GET /.well-known/jwks.json`: the gate's lease-signing key set, raw.
    pub async fn lease_jwks(&self) -> Result<Value, Error> {
        Ok(self.discover("/.well-known/jwks.json".to_owned()).await?.1)
    }
}
