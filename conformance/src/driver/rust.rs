//! The `rust` driver: our `latchgate` crate in process. It speaks the same commands as a process
//! driver (as `serde_json::Value`s) and reports what the crate did, never repairing it. Where the
//! Rust API cannot express an argument (a negative `max_calls`), it reports `InvalidInput` for
//! that field and says so in `native`.

mod client_commands;
mod operator_commands;

use super::PROTOCOL_VERSION;
use super::{DriverError, DriverFactory, DriverSession, ErrorOutcome, Hello, Reply, SdkId};
use futures::future::BoxFuture;
use latchgate::transport::Env;
use latchgate::{Client, Error, OperatorClient, Receipt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Applies a command's `base_url`, `socket` and `public_base_url` to a client or operator builder
/// (two builder types with the same three methods).
macro_rules! with_endpoints {
    ($builder:expr, $cmd:expr) => {{
        let mut b = $builder;
        if let Some(u) = $cmd["base_url"].as_str() {
            b = b.base_url(u);
        }
        if let Some(s) = $cmd["socket"].as_str() {
            b = b.socket(s);
        }
        if let Some(p) = $cmd["public_base_url"].as_str() {
            b = b.public_base_url(p);
        }
        b
    }};
}

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

    fn start(&self) -> BoxFuture<'_, Result<Box<dyn DriverSession>, DriverError>> {
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

/// The object behind the command's `role` handle (`client` or `operator`).
fn handle<T>(
    made: &HashMap<String, Arc<T>>,
    cmd: &Value,
    role: &'static str,
) -> Result<Arc<T>, DriverError> {
    made.get(cmd[role].as_str().unwrap_or(""))
        .cloned()
        .ok_or_else(|| DriverError::UnknownHandle {
            role,
            handle: cmd[role].to_string(),
        })
}

fn text(cmd: &Value, k: &str) -> String {
    cmd[k].as_str().unwrap_or_default().to_string()
}

impl RustSession {
    fn client(&self, cmd: &Value) -> Result<Arc<Client>, DriverError> {
        handle(&self.clients, cmd, "client")
    }

    fn operator(&self, cmd: &Value) -> Result<Arc<OperatorClient>, DriverError> {
        handle(&self.operators, cmd, "operator")
    }

    fn new_client(&mut self, cmd: &Value) -> Reply {
        let mut b = with_endpoints!(Client::builder().environment(env_of(cmd)), cmd);
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
        let b = OperatorClient::builder()
            .environment(Env::from_pairs(&[]))
            .api_key(text(cmd, "api_key"))
            .key_pem(text(cmd, "key_pem"));
        match with_endpoints!(b, cmd).build() {
            Ok(o) => {
                let handle = format!("o{}", self.operators.len() + 1);
                self.operators.insert(handle.clone(), Arc::new(o));
                Reply::Ok(json!({"operator": handle}))
            }
            Err(e) => Reply::Err(outcome(&e)),
        }
    }

    async fn dispatch(&mut self, cmd: Value) -> Result<Reply, DriverError> {
        let name = cmd["cmd"].as_str().unwrap_or_default().to_string();
        let reply = match name.as_str() {
            "hello" => Some(Reply::Ok(
                serde_json::to_value(&self.hello).map_err(DriverError::HelloJson)?,
            )),
            "new_client" => Some(self.new_client(&cmd)),
            "new_operator" => Some(self.new_operator(&cmd)),
            _ => match self.client_command(&name, &cmd).await? {
                Some(r) => Some(r),
                None => self.operator_command(&name, &cmd).await?,
            },
        };
        Ok(reply.unwrap_or_else(|| {
            Reply::Err(ErrorOutcome {
                kind: "Unsupported".into(),
                native: Some(format!("command {name:?}")),
                ..Default::default()
            })
        }))
    }
}

impl DriverSession for RustSession {
    fn hello(&self) -> &Hello {
        &self.hello
    }

    fn call(&mut self, cmd: Value) -> BoxFuture<'_, Result<Reply, DriverError>> {
        Box::pin(self.dispatch(cmd))
    }

    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        for c in self.clients.values() {
            c.close();
        }
        Box::pin(async {})
    }
}
