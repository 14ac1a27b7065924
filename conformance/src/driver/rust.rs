//! The `rust` driver: our `latchgate` crate in process. It speaks the same commands as a process
//! driver (as `serde_json::Value`s) and reports what the crate did, never repairing it. Where the
//! Rust API cannot express an argument (a negative `max_calls`), it reports `InvalidInput` for
//! that field and says so in `native`.

use super::{DriverFactory, DriverSession, ErrorOutcome, Hello, Reply, SdkId, PROTOCOL_VERSION};
use futures::future::BoxFuture;
use latchgate::transport::Env;
use latchgate::{Client, ConnectOptions, Error, OperatorClient, Receipt, ReceiptKey};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

const CAPABILITIES: &[&str] = &[
    "get_action",
    "list_actions",
    "health",
    "env",
    "socket",
    "concurrency",
    "timeout",
    "debug_repr",
    "info",
    "operator",
    "verify",
    "key_import",
    "wait_for_approval",
    "fs_root",
    "clock",
];

/// Starts in-process sessions over the `latchgate` crate.
#[derive(Default)]
pub struct RustDriver;

impl DriverFactory for RustDriver {
    fn spec(&self) -> String {
        "rust".into()
    }

    fn start(&self) -> BoxFuture<'_, Result<Box<dyn DriverSession>, String>> {
        Box::pin(async {
            let hello = Hello {
                protocol: PROTOCOL_VERSION,
                sdk: SdkId {
                    name: "latchgate (crate)".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    language: "rust".into(),
                    runtime: "Rust, in process (tokio)".into(),
                },
                capabilities: CAPABILITIES.iter().map(|c| c.to_string()).collect(),
            };
            Ok(Box::new(RustSession {
                hello,
                clocks: HashMap::new(),
                clients: HashMap::new(),
                operators: HashMap::new(),
            }) as Box<dyn DriverSession>)
        })
    }
}

struct RustSession {
    hello: Hello,
    clocks: HashMap<String, Arc<latchgate::ManualClock>>,
    clients: HashMap<String, Arc<Client>>,
    operators: HashMap<String, Arc<OperatorClient>>,
}

/// The canonical outcome of a crate error.
fn outcome(e: &Error) -> ErrorOutcome {
    let approval = e.approval();
    ErrorOutcome {
        kind: e.kind().as_str().to_string(),
        status: e.status(),
        code: e.code().map(str::to_string),
        reason: e.reason().map(str::to_string),
        transient: Some(e.transient()),
        may_have_executed: Some(e.may_have_executed()),
        retry_after: e.retry_after(),
        stale_session: Some(e.stale_session()),
        field: e.field().map(str::to_string),
        approval_id: approval.map(|a| a.approval_id.clone()),
        request_hash: approval.and_then(|a| a.request_hash.clone()),
        trace_id: approval.and_then(|a| a.trace_id.clone()),
        native: Some(format!("latchgate::Error: {e}")),
    }
}

fn invalid(field: &str, why: &str) -> Reply {
    Reply::Err(ErrorOutcome {
        kind: "InvalidInput".into(),
        field: Some(field.into()),
        native: Some(why.into()),
        ..Default::default()
    })
}

fn reply<T>(r: Result<T, Error>, f: impl FnOnce(T) -> Value) -> Reply {
    match r {
        Ok(v) => Reply::Ok(f(v)),
        Err(e) => Reply::Err(outcome(&e)),
    }
}

fn env_of(cmd: &Value) -> Env {
    let pairs: Vec<(String, String)> = cmd["env"]
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    Env::from_pairs(&refs)
}

fn result_json(r: latchgate::ActionResult) -> Value {
    json!({
        "trace_id": r.trace_id, "grant_id": r.grant_id, "receipt_id": r.receipt_id, "action_id": r.action_id,
        "output": r.output, "verification_outcome": r.verification_outcome,
        "is_fully_successful": r.verification.as_ref().map(|v| v.is_fully_successful),
        "decision": r.decision, "approval": serde_json::to_value(&r.approval).unwrap_or(Value::Null),
    })
}

fn status_json(s: latchgate::ApprovalStatus) -> Value {
    let terminal = s.is_terminal();
    json!({"approval_id": s.approval_id, "status": s.status, "receipt_id": s.receipt_id, "reason": s.reason,
           "retry_after_seconds": s.retry_after_seconds, "is_terminal": terminal})
}

fn receipt_json(r: Receipt) -> Value {
    json!({"receipt": r.raw(), "is_fully_successful": r.is_fully_successful()})
}

fn text(cmd: &Value, k: &str) -> String {
    cmd[k].as_str().unwrap_or_default().to_string()
}

impl RustSession {
    fn client(&self, cmd: &Value) -> Result<Arc<Client>, String> {
        self.clients
            .get(cmd["client"].as_str().unwrap_or(""))
            .cloned()
            .ok_or_else(|| format!("unknown client handle {}", cmd["client"]))
    }

    fn operator(&self, cmd: &Value) -> Result<Arc<OperatorClient>, String> {
        self.operators
            .get(cmd["operator"].as_str().unwrap_or(""))
            .cloned()
            .ok_or_else(|| format!("unknown operator handle {}", cmd["operator"]))
    }

    fn new_client(&mut self, cmd: &Value) -> Reply {
        let mut b = Client::builder().environment(env_of(cmd));
        if let Some(u) = cmd["base_url"].as_str() {
            b = b.base_url(u);
        }
        if let Some(s) = cmd["socket"].as_str() {
            b = b.socket(s);
        }
        if let Some(p) = cmd["public_base_url"].as_str() {
            b = b.public_base_url(p);
        }
        if let Some(a) = cmd["agent_id"].as_str() {
            b = b.agent_id(a);
        }
        if let Some(ms) = cmd["timeout_ms"].as_u64() {
            b = b
                .timeout(Duration::from_millis(ms))
                .execute_timeout(Duration::from_millis(ms));
        }
        // Not part of the driver protocol: the suite-strength tests turn renewal off to make a
        // never-renewing SDK.
        if let Some(renew) = cmd["lgc_test_auto_renew"].as_bool() {
            b = b.auto_renew(renew);
        }
        let handle = format!("c{}", self.clients.len() + 1);
        if cmd["manual_clock"].as_bool() == Some(true) {
            let clock = Arc::new(latchgate::ManualClock::new(std::time::SystemTime::now()));
            self.clocks.insert(handle.clone(), clock.clone());
            b = b.clock(clock);
        }
        match b.build() {
            Ok(c) => {
                self.clients.insert(handle.clone(), Arc::new(c));
                Reply::Ok(json!({"client": handle}))
            }
            Err(e) => Reply::Err(outcome(&e)),
        }
    }

    fn new_operator(&mut self, cmd: &Value) -> Reply {
        let mut b = OperatorClient::builder()
            .environment(Env::from_pairs(&[]))
            .api_key(text(cmd, "api_key"))
            .key_pem(text(cmd, "key_pem"));
        if let Some(u) = cmd["base_url"].as_str() {
            b = b.base_url(u);
        }
        if let Some(s) = cmd["socket"].as_str() {
            b = b.socket(s);
        }
        if let Some(p) = cmd["public_base_url"].as_str() {
            b = b.public_base_url(p);
        }
        match b.build() {
            Ok(o) => {
                let handle = format!("o{}", self.operators.len() + 1);
                self.operators.insert(handle.clone(), Arc::new(o));
                Reply::Ok(json!({"operator": handle}))
            }
            Err(e) => Reply::Err(outcome(&e)),
        }
    }

    async fn dispatch(&mut self, cmd: Value) -> Result<Reply, String> {
        let name = cmd["cmd"].as_str().unwrap_or_default().to_string();
        Ok(match name.as_str() {
            "hello" => Reply::Ok(serde_json::to_value(&self.hello).map_err(|e| e.to_string())?),
            "new_client" => self.new_client(&cmd),
            "new_operator" => self.new_operator(&cmd),
            "connect" => {
                let c = self.client(&cmd)?;
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
                        None => return Ok(invalid(
                            "max_calls",
                            "the Rust API takes max_calls as u64; this value cannot be expressed",
                        )),
                    }
                }
                if let Some(f) = cmd["fs_root"].as_str() {
                    o = o.fs_root(f);
                }
                reply(
                    c.connect(o).await,
                    |l| json!({"session_id": l.session_id, "lease_jti": l.lease_jti, "expires_at": l.expires_at_text}),
                )
            }
            "session" => {
                let c = self.client(&cmd)?;
                let info = c.lease_info();
                Reply::Ok(
                    json!({"session_id": c.session_id(), "lease_jti": c.lease_jti(), "expires_at": info.map(|i| i.expires_at_text)}),
                )
            }
            "info" => {
                let c = self.client(&cmd)?;
                Reply::Ok(
                    json!({"base_url": c.request_base_url(), "htu_base": c.htu_base(), "session_id": c.session_id(), "lease_jti": c.lease_jti()}),
                )
            }
            "debug" => match (self.client(&cmd), self.operator(&cmd)) {
                (Ok(c), _) => Reply::Ok(json!({"text": format!("{c:?}\n{c:#?}")})),
                (_, Ok(o)) => Reply::Ok(json!({"text": format!("{o:?}\n{o:#?}")})),
                (Err(e), _) => return Err(e),
            },
            "execute" => {
                let c = self.client(&cmd)?;
                let params = cmd.get("params").cloned().unwrap_or_else(|| json!({}));
                reply(
                    c.execute(&text(&cmd, "action_id"), params).await,
                    result_json,
                )
            }
            "execute_many" => {
                let c = self.client(&cmd)?;
                let params = cmd.get("params").cloned().unwrap_or_else(|| json!({}));
                let action = text(&cmd, "action_id");
                let n = cmd["count"].as_u64().unwrap_or(1) as usize;
                let tasks: Vec<_> = (0..n)
                    .map(|_| {
                        let (c, p, a) = (c.clone(), params.clone(), action.clone());
                        tokio::spawn(async move { c.execute(&a, p).await })
                    })
                    .collect();
                let mut results = Vec::new();
                for t in tasks {
                    results.push(match t.await.map_err(|e| format!("task panicked: {e}"))? {
                        Ok(r) => json!({"ok": result_json(r)}),
                        Err(e) => json!({"error": outcome(&e)}),
                    });
                }
                Reply::Ok(json!({"results": results}))
            }
            "get_receipt" => reply(
                self.client(&cmd)?
                    .get_receipt(&text(&cmd, "receipt_id"))
                    .await,
                receipt_json,
            ),
            "get_approval_status" => reply(
                self.client(&cmd)?
                    .get_approval_status(&text(&cmd, "approval_id"))
                    .await,
                status_json,
            ),
            "wait_for_approval" => {
                let t = cmd["timeout_ms"].as_u64().map(Duration::from_millis);
                reply(
                    self.client(&cmd)?
                        .wait_for_approval(&text(&cmd, "approval_id"), t)
                        .await,
                    status_json,
                )
            }
            "get_action" => reply(
                self.client(&cmd)?
                    .get_action(&text(&cmd, "action_id"))
                    .await,
                |d| {
                    let egress = match latchgate::Egress::from_wire(&d.egress) {
                        latchgate::Egress::None => json!({"kind": "none", "domains": []}),
                        latchgate::Egress::ProxyAllowlist(ds) => {
                            json!({"kind": "proxy_allowlist", "domains": ds})
                        }
                        latchgate::Egress::Unknown(raw) => json!({"kind": "unknown", "raw": raw}),
                    };
                    json!({"egress": egress})
                },
            ),
            "list_actions" => reply(
                self.client(&cmd)?.list_actions().await,
                |a| json!({"actions": a}),
            ),
            "health" => {
                let c = self.client(&cmd)?;
                let h = match c.healthz().await {
                    Ok(h) => h,
                    Err(e) => return Ok(Reply::Err(outcome(&e))),
                };
                reply(
                    c.readyz().await,
                    |r| json!({"healthz": {"status": h.status}, "ready": r.status == "ready", "readyz": r}),
                )
            }
            "advance_clock" => {
                let clock = self
                    .clocks
                    .get(cmd["client"].as_str().unwrap_or(""))
                    .ok_or("client has no manual clock")?;
                clock.advance(Duration::from_secs(cmd["secs"].as_u64().unwrap_or(0)));
                Reply::Ok(json!({}))
            }
            "close" => {
                self.client(&cmd)?.close();
                Reply::Ok(json!({}))
            }
            "import_key" => {
                let b = OperatorClient::builder()
                    .environment(Env::from_pairs(&[]))
                    .base_url("http://127.0.0.1:9")
                    .api_key("import-check")
                    .key_pem(text(&cmd, "pem"));
                reply(b.build(), |o| json!({"thumbprint": o.key_thumbprint()}))
            }
            "list_approvals" => {
                let o = self.operator(&cmd)?;
                let limit = cmd["limit"].as_u64().map(|l| l.min(u32::MAX as u64) as u32);
                reply(o.list_approvals(cmd["status"].as_str(), limit).await, |l| {
                    serde_json::to_value(l).unwrap_or_default()
                })
            }
            "approve" => reply(
                self.operator(&cmd)?
                    .approve(&text(&cmd, "approval_id"), Default::default())
                    .await,
                |out| match out {
                    latchgate::ApproveOutcome::Executed(r) => result_json(*r),
                    latchgate::ApproveOutcome::AlreadyDecided(t) => {
                        serde_json::to_value(t).unwrap_or_default()
                    }
                },
            ),
            "deny" => reply(
                self.operator(&cmd)?
                    .deny(&text(&cmd, "approval_id"), cmd["reason"].as_str())
                    .await,
                |out| match out {
                    latchgate::DenyOutcome::Denied(d) => {
                        serde_json::to_value(d).unwrap_or_default()
                    }
                    latchgate::DenyOutcome::AlreadyDecided(t) => {
                        serde_json::to_value(t).unwrap_or_default()
                    }
                },
            ),
            "receipt_keys" => reply(
                self.operator(&cmd)?.receipt_keys().await,
                |k| json!({"keys": k}),
            ),
            "verify_receipt" => {
                let keys: Vec<ReceiptKey> = match serde_json::from_value(cmd["keys"].clone()) {
                    Ok(k) => k,
                    Err(e) => {
                        return Ok(invalid(
                            "keys",
                            &format!(
                                "the key list does not deserialize into latchgate::ReceiptKey: {e}"
                            ),
                        ))
                    }
                };
                Reply::Ok(
                    json!({"status": latchgate::receipt::verify_value(&cmd["receipt"], &keys).status.as_str()}),
                )
            }
            other => Reply::Err(ErrorOutcome {
                kind: "Unsupported".into(),
                native: Some(format!("command {other:?}")),
                ..Default::default()
            }),
        })
    }
}

impl DriverSession for RustSession {
    fn hello(&self) -> &Hello {
        &self.hello
    }

    fn call(&mut self, cmd: Value) -> BoxFuture<'_, Result<Reply, String>> {
        Box::pin(self.dispatch(cmd))
    }

    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        for c in self.clients.values() {
            c.close();
        }
        Box::pin(async {})
    }
}
