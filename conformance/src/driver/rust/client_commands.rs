//! The commands a client handle answers.

use super::{invalid, outcome, receipt_json, reply, result_json, status_json, text, RustSession};
use crate::driver::{DriverError, Reply};
use latchgate::ConnectOptions;
use serde_json::{json, Value};
use std::time::Duration;

impl RustSession {
    /// Answers a client command; `None` when `name` is not one.
    pub(super) async fn client_command(
        &mut self,
        name: &str,
        cmd: &Value,
    ) -> Result<Option<Reply>, DriverError> {
        if let Some(r) = self.local_command(name, cmd)? {
            return Ok(Some(r));
        }
        let c = match name {
            "connect"
            | "execute"
            | "execute_many"
            | "get_receipt"
            | "get_approval_status"
            | "wait_for_approval"
            | "get_action"
            | "list_actions"
            | "health" => self.client(cmd)?,
            _ => return Ok(None),
        };
        let id = |k: &str| text(cmd, k);
        Ok(Some(match name {
            "connect" => match connect_options(cmd) {
                Ok(o) => reply(
                    c.connect(o).await,
                    |l| json!({"session_id": l.session_id, "lease_jti": l.lease_jti, "expires_at": l.expires_at_text}),
                ),
                Err(why) => invalid("max_calls", why),
            },
            "execute" => reply(c.execute(&id("action_id"), params(cmd)).await, result_json),
            "execute_many" => execute_many(&c, cmd).await?,
            "get_receipt" => reply(c.get_receipt(&id("receipt_id")).await, receipt_json),
            "get_approval_status" => {
                reply(c.get_approval_status(&id("approval_id")).await, status_json)
            }
            "wait_for_approval" => {
                let t = cmd["timeout_ms"].as_u64().map(Duration::from_millis);
                reply(
                    c.wait_for_approval(&id("approval_id"), t).await,
                    status_json,
                )
            }
            "get_action" => reply(
                c.get_action(&id("action_id")).await,
                |d| json!({"egress": egress_json(&d.egress)}),
            ),
            "list_actions" => reply(c.list_actions().await, |a| json!({"actions": a})),
            _ => health(&c).await,
        }))
    }

    /// Commands answered without a request to the gate.
    fn local_command(&mut self, name: &str, cmd: &Value) -> Result<Option<Reply>, DriverError> {
        Ok(Some(match name {
            "session" => {
                let c = self.client(cmd)?;
                let info = c.lease_info();
                Reply::Ok(
                    json!({"session_id": c.session_id(), "lease_jti": c.lease_jti(), "expires_at": info.map(|i| i.expires_at_text)}),
                )
            }
            "info" => {
                let c = self.client(cmd)?;
                Reply::Ok(
                    json!({"base_url": c.request_base_url(), "htu_base": c.htu_base(), "session_id": c.session_id(), "lease_jti": c.lease_jti()}),
                )
            }
            "debug" => match (self.client(cmd), self.operator(cmd)) {
                (Ok(c), _) => Reply::Ok(json!({"text": format!("{c:?}\n{c:#?}")})),
                (_, Ok(o)) => Reply::Ok(json!({"text": format!("{o:?}\n{o:#?}")})),
                (Err(e), _) => return Err(e),
            },
            "advance_clock" => {
                let clock = self
                    .clocks
                    .get(cmd["client"].as_str().unwrap_or(""))
                    .ok_or(DriverError::NoManualClock)?;
                clock.advance(Duration::from_secs(cmd["secs"].as_u64().unwrap_or(0)));
                Reply::Ok(json!({}))
            }
            "close" => {
                self.client(cmd)?.close();
                Reply::Ok(json!({}))
            }
            _ => return Ok(None),
        }))
    }
}

/// The command's `params`; absent means the SDK's "no parameters" (`{}` in the Rust API).
fn params(cmd: &Value) -> Value {
    cmd.get("params").cloned().unwrap_or_else(|| json!({}))
}

/// `connect` options; `Err` says why a `max_calls` cannot be expressed in the Rust API (the
/// driver reports `InvalidInput` for that field).
fn connect_options(cmd: &Value) -> Result<ConnectOptions, &'static str> {
    let mut o = ConnectOptions::new();
    if let Some(s) = cmd["scopes"].as_array() {
        o.scopes = Some(
            s.iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect(),
        );
    }
    if let Some(n) = cmd.get("max_calls").filter(|v| !v.is_null()) {
        match n.as_u64() {
            Some(n) => o = o.max_calls(n),
            None => {
                return Err("the Rust API takes max_calls as u64; this value cannot be expressed")
            }
        }
    }
    if let Some(f) = cmd["fs_root"].as_str() {
        o = o.fs_root(f);
    }
    Ok(o)
}

/// `count` executions at once on one client.
async fn execute_many(
    c: &std::sync::Arc<latchgate::Client>,
    cmd: &Value,
) -> Result<Reply, DriverError> {
    let params = params(cmd);
    let action = text(cmd, "action_id");
    let n = cmd["count"].as_u64().unwrap_or(1) as usize;
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (c, p, a) = (c.clone(), params.clone(), action.clone());
            tokio::spawn(async move { c.execute(&a, p).await })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(match t.await.map_err(DriverError::TaskPanicked)? {
            Ok(r) => json!({"ok": result_json(r)}),
            Err(e) => json!({"error": outcome(&e)}),
        });
    }
    Ok(Reply::Ok(json!({"results": results})))
}

/// `healthz` then `readyz`.
async fn health(c: &latchgate::Client) -> Reply {
    let h = match c.healthz().await {
        Ok(h) => h,
        Err(e) => return Reply::Err(outcome(&e)),
    };
    reply(
        c.readyz().await,
        |r| json!({"healthz": {"status": h.status}, "ready": r.status == "ready", "readyz": r}),
    )
}

/// An action's egress profile as the driver protocol writes it.
fn egress_json(wire: &Value) -> Value {
    match latchgate::Egress::from_wire(wire) {
        latchgate::Egress::None => json!({"kind": "none", "domains": []}),
        latchgate::Egress::ProxyAllowlist(ds) => json!({"kind": "proxy_allowlist", "domains": ds}),
        latchgate::Egress::Unknown(raw) => json!({"kind": "unknown", "raw": raw}),
    }
}
