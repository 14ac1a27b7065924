//! The step language of generated sequences, and its interpreter. A step is a request TEMPLATE:
//! it names what to send (`{nonce}` stands for the case's nonce, ids come from earlier answers);
//! each side instantiates it with its own lease key, proof, clock and ids.

use crate::catalogue::Scenario;
use crate::gate::{GateCtx, Lease, Listener};
use crate::http::{Exchange, RawRequest};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One step of a generated sequence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// `POST /v1/leases` with a fresh key; `extra` members are merged into the body.
    Lease {
        /// Extra body members (e.g. `max_calls`).
        extra: Value,
    },
    /// `POST /v1/actions/{action}/execute` under the current lease, correct proof.
    Execute {
        /// Action id.
        action: String,
        /// Request body.
        params: Value,
    },
    /// `GET /v1/approvals/{last}/poll` under the current lease.
    Poll,
    /// Operator approve (with the query, e.g. `learn_path=…`) or deny of the last approval.
    Decide {
        /// Approve, else deny.
        approve: bool,
        /// Query string without `?`.
        query: String,
    },
    /// Operator `GET /v1/approvals/{last}`.
    Detail,
    /// Agent `GET /v1/receipts/{last receipt}`.
    Receipt,
    /// An agent GET (e.g. `/v1/actions`).
    AgentGet {
        /// Path.
        path: String,
    },
    /// An operator request on the admin listener.
    Operator {
        /// Method.
        method: String,
        /// Path and query.
        path: String,
        /// JSON body.
        body: Option<Value>,
    },
    /// Moves the gate's clock (only generated when both sides have one).
    Advance {
        /// Seconds.
        secs: u64,
    },
    /// A probe of the gate suite's language: endpoint and mutation lines.
    Probe {
        /// Probe endpoint (`execute`, `poll`, …).
        probe: String,
        /// Mutation lines.
        mutation: Vec<String>,
    },
}

/// An entry of a run: an exchange, or a step that could not be sent on this side.
#[derive(Clone, Debug)]
pub enum Entry {
    /// Sent and answered (or a transport error).
    Sent(Exchange),
    /// Not sent: its precondition failed (no lease, no approval id, no clock).
    NotSent(String),
    /// The verdict of a gate-suite scenario (`pass`, `fail: …`, `skip: …`), compared like an
    /// answer: a check that fails on one gate only is a difference even when the bytes agree.
    Verdict(String),
}

/// One side's state while a sequence runs.
pub struct Session {
    ctx: GateCtx,
    nonce: String,
    lease: Option<Lease>,
    approval: Option<String>,
    receipt: Option<String>,
    /// Every entry so far.
    pub entries: Vec<Entry>,
    /// The kind of step (`execute`, `decide`, …) each entry came from.
    pub labels: Vec<String>,
}

impl Session {
    /// A session on `ctx`'s gate; `nonce` replaces `{nonce}` in templates.
    pub fn new(ctx: GateCtx, nonce: &str) -> Self {
        Session {
            ctx,
            nonce: nonce.to_string(),
            lease: None,
            approval: None,
            receipt: None,
            entries: Vec::new(),
            labels: Vec::new(),
        }
    }

    fn fill(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(s.replace("{nonce}", &self.nonce)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.fill(x)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.replace("{nonce}", &self.nonce), self.fill(x)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Runs one step.
    pub async fn step(&mut self, step: &Step) {
        let before = self.ctx.log.len();
        let not_sent = self.run(step).await.err();
        let new: Vec<Entry> = self.ctx.log[before..]
            .iter()
            .cloned()
            .map(Entry::Sent)
            .collect();
        let label = serde_json::to_value(step)
            .ok()
            .and_then(|v| v["step"].as_str().map(str::to_string))
            .unwrap_or_default();
        if new.is_empty() {
            if let Some(why) = not_sent {
                self.entries.push(Entry::NotSent(why));
                self.labels.push(label.clone());
            }
        }
        self.labels.extend(new.iter().map(|_| label.clone()));
        self.entries.extend(new);
    }

    async fn run(&mut self, step: &Step) -> Result<(), String> {
        match step {
            Step::Lease { extra } => {
                let extra = self.fill(extra);
                self.lease = self.ctx.lease_with(extra).await.ok();
                Ok(())
            }
            Step::Execute { action, params } => {
                let params = self.fill(params);
                let action = action.replace("{nonce}", &self.nonce);
                let path = format!("/v1/actions/{action}/execute");
                let req = self.agent(&path, "POST")?.json(&params);
                let body = self.send(Listener::Client, req).await;
                self.remember(body);
                Ok(())
            }
            Step::Poll => {
                let id = self.approval.clone().ok_or("no approval id")?;
                let req = self.agent(&format!("/v1/approvals/{id}/poll"), "GET")?;
                let body = self.send(Listener::Client, req).await;
                self.remember(body);
                Ok(())
            }
            Step::Decide { approve, query } => {
                let id = self.approval.clone().ok_or("no approval id")?;
                let verb = if *approve { "approve" } else { "deny" };
                let q = self.fill(&Value::String(query.clone()));
                let q = q.as_str().unwrap_or_default();
                let path = format!("/v1/approvals/{id}/{verb}");
                let target = if q.is_empty() {
                    path.clone()
                } else {
                    format!("{path}?{q}")
                };
                let mut req = self.ctx.operator_request("POST", &path).map_err(skip)?;
                req.target = target;
                let body = self.send(Listener::Admin, req).await;
                self.remember(body);
                Ok(())
            }
            Step::Detail => {
                let id = self.approval.clone().ok_or("no approval id")?;
                let req = self
                    .ctx
                    .operator_request("GET", &format!("/v1/approvals/{id}"))
                    .map_err(skip)?;
                self.send(Listener::Admin, req).await;
                Ok(())
            }
            Step::Receipt => {
                let id = self.receipt.clone().ok_or("no receipt id")?;
                let req = self.agent(&format!("/v1/receipts/{id}"), "GET")?;
                self.send(Listener::Client, req).await;
                Ok(())
            }
            Step::AgentGet { path } => {
                let req = self.agent(path, "GET")?;
                self.send(Listener::Client, req).await;
                Ok(())
            }
            Step::Operator { method, path, body } => {
                let mut req = self.ctx.operator_request(method, path).map_err(skip)?;
                if let Some(b) = body {
                    req = req.json(&self.fill(b));
                }
                self.send(Listener::Admin, req).await;
                Ok(())
            }
            Step::Advance { secs } => {
                let clock = self.ctx.env.clock.clone().ok_or("no clock on this gate")?;
                clock.advance(*secs);
                Ok(())
            }
            Step::Probe { probe, mutation } => self.probe(probe, mutation).await,
        }
    }

    fn agent(&self, path: &str, method: &str) -> Result<RawRequest, String> {
        let lease = self.lease.as_ref().ok_or("no lease")?;
        Ok(self.ctx.agent_request(lease, method, path).0)
    }

    async fn send(&mut self, to: Listener, req: RawRequest) -> Option<Value> {
        self.ctx.send(to, req).await.ok().and_then(|r| r.json())
    }

    fn remember(&mut self, body: Option<Value>) {
        let Some(b) = body else { return };
        if let Some(id) = b["approval_id"].as_str() {
            self.approval = Some(id.to_string());
        }
        if let Some(id) = b["receipt_id"].as_str() {
            self.receipt = Some(id.to_string());
        }
    }

    async fn probe(&mut self, probe: &str, mutation: &[String]) -> Result<(), String> {
        let mut scenario: Scenario = self.ctx.scenario.clone();
        scenario.probe = Some(probe.to_string());
        scenario.mutation = mutation.to_vec();
        scenario.expect = Some(String::new());
        let saved = std::mem::replace(&mut self.ctx.scenario, scenario);
        let r = crate::gate::probe::run(&mut self.ctx).await;
        self.ctx.scenario = saved;
        match r {
            Err(crate::check::Failure::Skip(why)) => Err(why),
            _ => Ok(()),
        }
    }

    /// The raw requests of the entries (an empty request for a step not sent).
    pub fn requests(&self) -> Vec<RawRequest> {
        self.entries
            .iter()
            .map(|e| match e {
                Entry::Sent(x) => x.request.clone(),
                Entry::NotSent(_) | Entry::Verdict(_) => RawRequest::default(),
            })
            .collect()
    }

    /// The gate context (its env and log).
    pub fn ctx(&self) -> &GateCtx {
        &self.ctx
    }
}

fn skip(f: crate::check::Failure) -> String {
    match f {
        crate::check::Failure::Skip(s) => s,
        crate::check::Failure::Fail(e) => e.message,
    }
}
