//! The SDK suite: the runner drives the SDK through its driver, with the wire tap between SDK and
//! gate, and judges what the SDK sent (the tap's journal) and the outcome the driver reports.

/// Defines an SDK scenario function from an async block.
macro_rules! sdk_fn {
    ($name:ident, |$ctx:ident| $body:block) => {
        pub(super) fn $name($ctx: &mut $crate::sdk::SdkCtx) -> futures::future::BoxFuture<'_, $crate::check::Check> {
            Box::pin(async move $body)
        }
    };
}

pub mod tap;

pub(crate) mod registry;

// One module per scenario family: `sdk.F.rest` is implemented in `F.rs` (`catalogue::family`
// gives F; the rule is in the README's catalogue section).
mod appr;
mod body;
mod conn;
mod disc;
mod dpop;
mod egr;
mod err;
mod id;
mod key;
mod lease;
mod life;
mod net;
mod op;
mod pkg;
mod rcpt;
mod req;
mod sent;
mod url;
mod ver;

use crate::catalogue::{Need, Scenario};
use crate::check::{Check, Failure};
use crate::driver::{DriverFactory, DriverSession, ErrorOutcome, Hello, Reply};
use crate::target::GateEnv;
use futures::future::BoxFuture;
use serde_json::{json, Value};
use tap::{Entry, Tap};

/// An SDK scenario implementation.
pub type SdkFn = for<'a> fn(&'a mut SdkCtx) -> BoxFuture<'a, Check>;

/// What an SDK scenario works with.
pub struct SdkCtx {
    /// The gate behind the tap.
    pub env: GateEnv,
    /// The tap in front of the client listener.
    pub tap: Tap,
    /// The tap in front of the admin listener (scenarios needing the operator).
    pub admin_tap: Option<Tap>,
    /// The driver's hello.
    pub hello: Hello,
    driver: Box<dyn DriverSession>,
    transcript: Vec<String>,
}

/// The implementation of an SDK scenario: the function [`registry`] names (in the module of the
/// scenario's family).
pub fn implementation(id: &str) -> Option<SdkFn> {
    registry::SCENARIOS
        .iter()
        .find(|(i, _, _)| *i == id)
        .map(|&(_, _, f)| f)
}

/// Runs one SDK scenario: taps, driver session, implementation, teardown. Driver transcript
/// lines written meanwhile carry the scenario id.
pub async fn run(s: &Scenario, env: GateEnv, factory: &dyn DriverFactory) -> Check {
    crate::driver::in_scenario(&s.id, run_scenario(s, env, factory)).await
}

async fn run_scenario(s: &Scenario, env: GateEnv, factory: &dyn DriverFactory) -> Check {
    let imp = implementation(&s.id)
        .ok_or_else(|| Failure::fail("no implementation for this scenario"))?;
    let tap = Tap::start(env.client.clone(), true)
        .await
        .map_err(|e| Failure::fail(format!("wire tap: {e}")))?;
    let admin_tap = match (&env.admin, s.needs.contains(&Need::Operator)) {
        (Some(a), true) => Some(
            Tap::start(a.clone(), false)
                .await
                .map_err(|e| Failure::fail(format!("admin tap: {e}")))?,
        ),
        _ => None,
    };
    let driver = factory
        .start()
        .await
        .map_err(|e| Failure::fail(format!("driver did not start: {e}")))?;
    let hello = driver.hello().clone();
    let mut ctx = SdkCtx {
        env,
        tap,
        admin_tap,
        hello,
        driver,
        transcript: Vec::new(),
    };
    let result = imp(&mut ctx).await.map_err(|f| ctx.annotate(f));
    let SdkCtx { driver, .. } = ctx;
    driver.shutdown().await;
    result
}

impl SdkCtx {
    fn annotate(&self, f: Failure) -> Failure {
        let calls = self
            .transcript
            .iter()
            .rev()
            .take(4)
            .rev()
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        let journal = self.tap.journal();
        let wire = journal
            .iter()
            .rev()
            .take(6)
            .rev()
            .map(Entry::line)
            .collect::<Vec<_>>()
            .join("\n");
        let f = if calls.is_empty() {
            f
        } else {
            f.with_excerpt(format!("driver:\n{calls}"))
        };
        if wire.is_empty() {
            f.with_excerpt("wire: nothing reached the tap")
        } else {
            f.with_excerpt(format!("wire (what the SDK sent):\n{wire}"))
        }
    }

    /// Sends a driver command; a driver failure fails the scenario.
    pub async fn cmd(&mut self, cmd: Value) -> Check<Reply> {
        let name = cmd["cmd"].as_str().unwrap_or("?").to_string();
        let shown = crate::http::cut(&cmd.to_string(), 200);
        let reply = self
            .driver
            .call(cmd)
            .await
            .map_err(|e| Failure::fail(e.to_string()))?;
        if let Reply::Err(e) = &reply {
            if e.kind == "Unsupported" && REQUIRED_COMMANDS.contains(&name.as_str()) {
                return Err(Failure::mismatch(
                    format!("the driver answered Unsupported to `{name}`, a command every driver must implement"),
                    "an answer from the SDK",
                    e.describe(),
                ));
            }
            if e.kind == "Unsupported" {
                return Err(Failure::skip(format!(
                    "the driver does not support `{name}`"
                )));
            }
        }
        self.transcript
            .push(format!("{shown} → {}", reply.describe()));
        Ok(reply)
    }

    /// Sends a command that must succeed.
    pub async fn ok(&mut self, cmd: Value) -> Check<Value> {
        let what = cmd["cmd"].as_str().unwrap_or("?").to_string();
        match self.cmd(cmd).await? {
            Reply::Ok(v) => Ok(v),
            Reply::Err(e) => Err(Failure::mismatch(
                format!("`{what}` failed"),
                "ok",
                e.describe(),
            )),
        }
    }

    /// Sends a setup command (one that must succeed before the step under test). A refusal by a
    /// gate limiter (429) or a transport error (the client's own timeout on a loaded machine) is
    /// the runner's load, not the SDK's behaviour: the command is sent again, at most
    /// [`SETUP_RETRIES`] times, and the transcript notes each retry.
    pub async fn setup(&mut self, cmd: Value) -> Check<Value> {
        let what = cmd["cmd"].as_str().unwrap_or("?").to_string();
        let mut retries = 0;
        loop {
            let e = match self.cmd(cmd.clone()).await? {
                Reply::Ok(v) => return Ok(v),
                Reply::Err(e) => e,
            };
            let Some(pause) = load_refusal(&e, retries).filter(|_| retries < SETUP_RETRIES) else {
                let note = format!(" (after {retries} setup retries)");
                let shown = format!(
                    "{}{}",
                    e.describe(),
                    if retries > 0 { note.as_str() } else { "" }
                );
                return Err(Failure::mismatch(format!("`{what}` failed"), "ok", shown));
            };
            retries += 1;
            self.transcript.push(format!(
                "(setup step `{what}` sent again, retry {retries}/{SETUP_RETRIES}: {} is runner load, not judged)",
                e.kind
            ));
            tokio::time::sleep(pause).await;
        }
    }

    /// Sends a command that must fail with `kind`.
    pub async fn err(&mut self, cmd: Value, kind: &str) -> Check<ErrorOutcome> {
        let what = cmd["cmd"].as_str().unwrap_or("?").to_string();
        match self.cmd(cmd).await? {
            Reply::Err(e) if e.kind == kind => Ok(e),
            Reply::Err(e) => Err(Failure::mismatch(
                format!("`{what}` outcome"),
                kind,
                e.describe(),
            )),
            Reply::Ok(v) => Err(Failure::mismatch(
                format!("`{what}` outcome"),
                kind,
                format!("ok {}", crate::http::cut(&v.to_string(), 200)),
            )),
        }
    }

    /// Executes the quickstart action on client `c`; the driver must report error `kind`.
    pub async fn exec_err(&mut self, c: &str, kind: &str) -> Check<ErrorOutcome> {
        self.err(execute_cmd(c), kind).await
    }

    /// Creates a client through the tap (TCP) with the gate's public base; `extra` overrides.
    pub async fn client(&mut self, extra: Value) -> Check<String> {
        let mut cmd = json!({"cmd": "new_client", "base_url": self.tap.url(), "public_base_url": self.env.public_base});
        if let (Some(c), Some(e)) = (cmd.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                if v.is_null() {
                    c.remove(k);
                } else {
                    c.insert(k.clone(), v.clone());
                }
            }
        }
        let v = self.ok(cmd).await?;
        v["client"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| Failure::fail("new_client answered without a client handle"))
    }

    /// A client that has connected with default options.
    pub async fn connected(&mut self) -> Check<String> {
        let c = self.client(json!({})).await?;
        self.setup(json!({"cmd": "connect", "client": c})).await?;
        Ok(c)
    }

    /// Executes on client `c` and fetches the call's receipt through the SDK; the receipt id and
    /// the receipt request as the tap saw it.
    pub async fn fetched_receipt(&mut self, c: &str) -> Check<(String, Entry)> {
        let (rid, _) = self.executed_receipt(c).await?;
        Ok((rid, self.first_sent("/v1/receipts/", "no receipt request")?))
    }

    /// Executes on client `c` and fetches the call's receipt through the SDK: the receipt id and
    /// the SDK's answer.
    pub async fn executed_receipt(&mut self, c: &str) -> Check<(String, Value)> {
        let r = exec(self, c).await?;
        let rid = r["receipt_id"].as_str().unwrap_or_default().to_string();
        let got = self
            .ok(json!({"cmd": "get_receipt", "client": c, "receipt_id": rid}))
            .await?;
        Ok((rid, got))
    }

    /// Fails unless fetching receipt `rid` on client `c` ends in the error `kind`.
    pub async fn receipt_err(&mut self, c: &str, rid: &str, kind: &str) -> Check {
        let cmd = json!({"cmd": "get_receipt", "client": c, "receipt_id": rid});
        self.err(cmd, kind).await.map(|_| ())
    }
}

/// The commands every driver implements (conformance/README.md, "Driver protocol"); an
/// `Unsupported` answer to one of them fails the scenario instead of skipping it.
pub const REQUIRED_COMMANDS: &[&str] = &[
    "hello",
    "new_client",
    "connect",
    "session",
    "execute",
    "get_receipt",
    "get_approval_status",
    "close",
];

/// Times a setup step refused by the runner's own load is sent again.
pub const SETUP_RETRIES: u32 = 5;

/// The pause before resending a setup step, when its error is a limiter refusal (429: its
/// Retry-After, else a second) or a transport error (a short client timeout under load: 100 ms,
/// doubled at each retry, so a burst of load on the machine can pass).
fn load_refusal(e: &ErrorOutcome, retry: u32) -> Option<std::time::Duration> {
    let limited = e.status == Some(429)
        || matches!(
            e.code.as_deref(),
            Some("rate_limit_exceeded" | "rate_limited" | "operator_throttled")
        );
    if limited {
        return Some(std::time::Duration::from_secs(e.retry_after.unwrap_or(1)));
    }
    (e.kind == "TransportError").then(|| std::time::Duration::from_millis(100 << retry.min(5)))
}

/// The `execute` command of the allowed action with its usual params on client `c`.
pub fn execute_cmd(c: &str) -> Value {
    json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": params()})
}

/// Executes the allowed action on client `c`; it must succeed.
pub async fn exec(ctx: &mut SdkCtx, c: &str) -> Check<Value> {
    ctx.ok(execute_cmd(c)).await
}

pub use crate::quickstart::{approval_params, exec_params as params, EXEC_ACTION as ACTION};

#[cfg(test)]
mod tests {
    #[test]
    fn readme_states_the_pacing_figures() {
        let readme = include_str!("../../README.md");
        for figure in [
            format!(
                "at most {} in any rolling second",
                crate::pacing::LEASES_PER_SECOND
            ),
            format!("at most {} times", crate::pacing::MAX_REFUSALS),
            format!("up to {} times", super::SETUP_RETRIES),
        ] {
            assert!(
                readme.contains(&figure),
                "conformance/README.md should say \"{figure}\""
            );
        }
    }
}
