//! The gate suite: crafted requests judged against PROTOCOL.md.
//!
//! Probe scenarios (those with `probe` in the catalogue) are interpreted by [`probe`]; the others
//! are functions registered in [`implementation`].

/// Defines a scenario function from an async block.
macro_rules! scenario_fn {
    ($name:ident, |$ctx:ident| $body:block) => {
        pub(super) fn $name($ctx: &mut $crate::gate::GateCtx) -> futures::future::BoxFuture<'_, $crate::check::Check> {
            Box::pin(async move $body)
        }
    };
}

pub mod craft;
pub(crate) mod probe;

pub(crate) mod registry;

// One module per scenario family: `F.rest` is implemented in `F.rs` (`catalogue::family` gives F;
// the rule is in the README's catalogue section).
mod admin;
mod approval;
mod approvals;
mod audit;
mod budget;
mod disc;
mod exec;
mod health;
mod http;
mod lease;
mod metrics;
mod policy;
mod receipt;
mod replay;

use crate::catalogue::Scenario;
use crate::check::{Check, Failure};
use crate::http::{cut, Endpoint, Exchange, ProofSource, RawRequest, RawResponse};
use crate::pacing;
use crate::target::GateEnv;
use craft::Proof;
use futures::future::BoxFuture;
use latchgate::crypto::dpop::DpopKey;
use serde_json::{json, Value};
use std::time::Duration;

/// How long the gate may take to answer one request. Generous: the suite judges what the gate
/// answers, not how fast, and a loaded machine or a long audit chain must not decide a verdict.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// A scenario implementation.
pub type GateFn = for<'a> fn(&'a mut GateCtx) -> BoxFuture<'a, Check>;

/// What a gate scenario works with: the gate, its own metadata, and the exchanges so far.
pub struct GateCtx {
    /// The gate.
    pub env: GateEnv,
    /// The scenario being run.
    pub scenario: Scenario,
    /// Every exchange, for failure reports.
    pub log: Vec<Exchange>,
}

/// A lease as issued to the suite.
#[derive(Debug)]
pub struct Lease {
    /// The JWT.
    pub jwt: String,
    /// The key bound to it.
    pub key: DpopKey,
    /// The whole 200 body.
    pub body: Value,
}

impl Lease {
    /// `session_id` of the lease.
    pub fn session_id(&self) -> &str {
        self.body["session_id"].as_str().unwrap_or_default()
    }
}

/// Which listener a request goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listener {
    /// The client listener.
    Client,
    /// The admin listener.
    Admin,
}

impl GateCtx {
    /// A context for one scenario.
    pub fn new(env: GateEnv, scenario: Scenario) -> Self {
        if let Some(c) = &env.clock {
            c.freeze();
        }
        GateCtx {
            env,
            scenario,
            log: Vec::new(),
        }
    }

    /// The gate's clock; a scenario that moves time is skipped on a gate without one.
    pub fn clock(&self) -> Check<std::sync::Arc<dyn crate::target::ClockControl>> {
        self.env
            .clock
            .clone()
            .ok_or_else(|| Failure::skip("needs the gate's clock"))
    }

    /// Adds the last exchanges to a failure, so the report shows what was sent and answered.
    pub fn annotate(&self, f: Failure) -> Failure {
        let n = self.log.len();
        self.log[n.saturating_sub(3)..]
            .iter()
            .fold(f, |f, ex| f.with_exchange(ex))
    }

    fn endpoint(&self, l: Listener) -> Check<Endpoint> {
        match l {
            Listener::Client => Ok(self.env.client.clone()),
            Listener::Admin => self
                .env
                .admin
                .clone()
                .ok_or_else(|| Failure::skip("needs the admin listener (--admin)")),
        }
    }

    /// Sends a request and records the exchange; a transport error fails the scenario.
    pub async fn send(&mut self, to: Listener, req: RawRequest) -> Check<RawResponse> {
        let endpoint = self.endpoint(to)?;
        let paced = pacing::send(&endpoint, &req, ANSWER_TIMEOUT).await;
        let response = paced.response.clone();
        self.log.push(Exchange {
            endpoint: endpoint.to_string(),
            request: req,
            note: paced.note(),
            response: paced.response,
        });
        response.map_err(|e| Failure::fail(format!("no HTTP answer from the gate: {e}")))
    }

    /// Sends `req` to the client listener; fails unless the gate refuses it with `status` and
    /// the error `code`.
    pub async fn refused(&mut self, req: RawRequest, status: u16, code: &str) -> Check {
        let resp = self.send(Listener::Client, req).await?;
        expect_error(&resp, status, code).map(|_| ())
    }

    /// Sends a GET without credentials to `path` on a listener.
    pub async fn get(&mut self, to: Listener, path: &str) -> Check<RawResponse> {
        self.send(to, RawRequest::new("GET", path)).await
    }

    /// Requests a lease with a fresh key; `extra` members are merged into the body.
    pub async fn lease_with(&mut self, extra: Value) -> Check<Lease> {
        let key = DpopKey::generate();
        let mut body = json!({"scopes": ["tools:call"], "dpop_jwk": key.public_jwk()});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let req = RawRequest::new("POST", "/v1/leases").json(&body);
        let resp = self.send(Listener::Client, req).await?;
        expect_status(&resp, 200, "lease issuance")?;
        let body = resp
            .json()
            .ok_or_else(|| Failure::fail("lease 200 body is not JSON"))?;
        let jwt = body["lease_jwt"]
            .as_str()
            .ok_or_else(|| Failure::fail("lease 200 body has no lease_jwt"))?
            .to_string();
        Ok(Lease { jwt, key, body })
    }

    /// A lease with default parameters.
    pub async fn lease(&mut self) -> Check<Lease> {
        self.lease_with(json!({})).await
    }

    /// A standard proof for the gate's public base + `path`.
    pub fn proof_for(&self, key: &DpopKey, method: &str, path: &str, token: &str) -> Proof {
        Proof::standard(
            key,
            method,
            &format!("{}{}", self.env.public_base, path),
            self.env.now(),
            token,
        )
    }

    /// An agent request with a correct proof (and a fresh one for each resend).
    pub fn agent_request(&self, lease: &Lease, method: &str, path: &str) -> (RawRequest, Proof) {
        let proof = self.proof_for(&lease.key, method, path, &lease.jwt);
        let req = self
            .with_proof(lease, method, path, &proof)
            .with_fresh_proof(self.proof_source(&lease.key, method, path, &lease.jwt));
        (req, proof)
    }

    /// Fresh correct proofs for one request, for a resend after a limiter refusal.
    fn proof_source(&self, key: &DpopKey, method: &str, path: &str, token: &str) -> ProofSource {
        let env = self.env.clone();
        let (key, method, token) = (key.clone(), method.to_string(), token.to_string());
        let htu = format!("{}{}", env.public_base, path);
        ProofSource::new(move || {
            Proof::standard(&key, &method, &htu, env.now(), &token)
                .compact(&key, &DpopKey::generate())
        })
    }

    /// An agent request carrying `proof`.
    pub fn with_proof(&self, lease: &Lease, method: &str, path: &str, proof: &Proof) -> RawRequest {
        RawRequest::new(method, path)
            .header("authorization", &format!("DPoP {}", lease.jwt))
            .header("dpop", &proof.compact(&lease.key, &DpopKey::generate()))
    }

    /// Executes `action` with `params` under `lease` (correct proof).
    pub async fn execute(
        &mut self,
        lease: &Lease,
        action: &str,
        params: &Value,
    ) -> Check<RawResponse> {
        let path = format!("/v1/actions/{action}/execute");
        let (req, _) = self.agent_request(lease, "POST", &path);
        self.send(Listener::Client, req.json(params)).await
    }

    /// Runs the allowed call under a fresh lease; the lease and the `receipt_id` it answered.
    pub async fn executed(&mut self) -> Check<(Lease, String)> {
        let lease = self.lease().await?;
        let resp = self.execute(&lease, EXEC_ACTION, &exec_params()).await?;
        expect_status(&resp, 200, "execute")?;
        let rid = resp.json().unwrap_or_default()["receipt_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Ok((lease, rid))
    }

    /// A request to the mock's `/_mock/` control API, with the control token when known.
    pub fn control_request(&self, method: &str, path: &str) -> RawRequest {
        let req = RawRequest::new(method, path);
        match &self.env.control_token {
            Some(t) => req.header("authorization", &format!("Bearer {t}")),
            None => req,
        }
    }

    /// An operator request with a correct proof (needs operator credentials).
    pub fn operator_request(&self, method: &str, path: &str) -> Check<RawRequest> {
        let op = self
            .env
            .operator
            .clone()
            .ok_or_else(|| Failure::skip("needs operator credentials"))?;
        let htu_path = path.split('?').next().unwrap_or(path);
        let proof = self.proof_for(&op.key, method, htu_path, &op.api_key);
        Ok(RawRequest::new(method, path)
            .header("authorization", &format!("DPoP {}", op.api_key))
            .header("dpop", &proof.compact(&op.key, &DpopKey::generate()))
            .with_fresh_proof(self.proof_source(&op.key, method, htu_path, &op.api_key)))
    }

    /// Sends an operator request to the admin listener.
    pub async fn operator(&mut self, method: &str, path: &str) -> Check<RawResponse> {
        let req = self.operator_request(method, path)?;
        self.send(Listener::Admin, req).await
    }
}

/// The array `member` of a 200 answer's JSON body; fails on another status or no such array.
pub fn expect_array(resp: &RawResponse, what: &str, member: &str) -> Check<Vec<Value>> {
    expect_status(resp, 200, what)?;
    let body = resp.json().unwrap_or_default();
    body[member]
        .as_array()
        .cloned()
        .ok_or_else(|| Failure::fail(format!("no {member} array: {body}")))
}

/// Fails unless the status is `want`.
pub fn expect_status(resp: &RawResponse, want: u16, what: &str) -> Check {
    if resp.status == want {
        Ok(())
    } else {
        Err(Failure::mismatch(
            format!("{what}: unexpected status"),
            want,
            format!("{} {}", resp.status, cut(&resp.text(), 200)),
        ))
    }
}

/// Fails unless the answer is a gate-built JSON error `{"error":code,…}` with that status: JSON
/// content type, `error` first, every value a string.
pub fn expect_error(resp: &RawResponse, status: u16, code: &str) -> Check<Value> {
    expect_status(resp, status, &format!("expected {status} {code}"))?;
    let body = resp.json().filter(Value::is_object).ok_or_else(|| {
        Failure::mismatch(
            "error body is not a JSON object",
            format!("{{\"error\":\"{code}\"}}"),
            cut(&resp.text(), 200),
        )
    })?;
    if body["error"] != json!(code) {
        return Err(Failure::mismatch(
            "wrong error code",
            code,
            body["error"].to_string(),
        ));
    }
    let text = resp.text();
    if !text.trim_start().starts_with("{\"error\"") {
        return Err(Failure::mismatch(
            "`error` must be the first member",
            "{\"error\":…",
            cut(&text, 120),
        ));
    }
    if let Some((k, _)) = body
        .as_object()
        .into_iter()
        .flatten()
        .find(|(_, v)| !v.is_string())
    {
        return Err(Failure::fail(format!(
            "member '{k}' of an error body is not a string"
        )));
    }
    let ct = resp.header("content-type").unwrap_or("");
    if !ct.starts_with("application/json") {
        return Err(Failure::mismatch(
            "error body content type",
            "application/json",
            ct,
        ));
    }
    Ok(body)
}

/// Fails unless the answer has that status and an empty body.
pub fn expect_empty(resp: &RawResponse, status: u16) -> Check {
    expect_status(resp, status, &format!("expected an empty {status}"))?;
    if resp.body.is_empty() {
        Ok(())
    } else {
        Err(Failure::mismatch(
            "body must be empty",
            "<empty>",
            cut(&resp.text(), 200),
        ))
    }
}

/// Fails unless the answer has that status and a text/plain body (framework rejection).
pub fn expect_text(resp: &RawResponse, status: u16) -> Check {
    expect_status(resp, status, &format!("expected a text/plain {status}"))?;
    let ct = resp.header("content-type").unwrap_or("");
    if ct.starts_with("text/plain") {
        Ok(())
    } else {
        Err(Failure::mismatch(
            "content type of a framework rejection",
            "text/plain",
            ct,
        ))
    }
}

pub use crate::quickstart::{approval_params, exec_params, DENIED_ACTION, EXEC_ACTION};

/// The implementation of a gate scenario: the probe interpreter for a probe scenario, otherwise
/// the function [`registry`] names (in the module of the scenario's family).
pub fn implementation(s: &Scenario) -> Option<GateFn> {
    if s.probe.is_some() {
        return Some(probe::run);
    }
    registry::SCENARIOS
        .iter()
        .find(|(id, _, _)| *id == s.id)
        .map(|&(_, _, f)| f)
}
