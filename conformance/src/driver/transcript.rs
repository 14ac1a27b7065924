//! `--driver-transcript FILE`: every exchange with the driver, both directions, as JSON lines
//! with a timestamp, the scenario it belongs to and a per-session number — what a driver author
//! reads to see exactly what the runner sent and what the driver answered.
//!
//! ```text
//! {"ts":"…","scenario":"sdk.lease.request-shape","session":4,"dir":"runner→driver","msg":{"id":2,"cmd":"new_client",…}}
//! {"ts":"…","scenario":"sdk.lease.request-shape","session":4,"dir":"driver→runner","msg":{"id":2,"ok":{"client":"c1"}}}
//! ```
//!
//! `dir` is `runner→driver`, `driver→runner`, or `failure` (the driver crashed, hung or wrote
//! something that is not protocol JSON; `msg` is the reason).

use super::{DriverError, DriverFactory, DriverSession, Hello, Reply, PROTOCOL_VERSION};
use futures::future::BoxFuture;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

tokio::task_local! {
    static SCENARIO: String;
}

/// Runs `fut` with `id` as the scenario that transcript lines written meanwhile belong to.
pub async fn in_scenario<F: std::future::Future>(id: &str, fut: F) -> F::Output {
    SCENARIO.scope(id.to_string(), fut).await
}

/// An open transcript file, shared by every session of a run.
#[derive(Clone)]
pub struct Transcript {
    out: Arc<Mutex<std::fs::File>>,
    sessions: Arc<AtomicU64>,
}

impl Transcript {
    /// Creates (or replaces) the file; missing parent folders are created.
    pub fn create(path: &Path) -> Result<Transcript, DriverError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| DriverError::TranscriptFolder {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let file = std::fs::File::create(path).map_err(|source| DriverError::TranscriptFile {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Transcript {
            out: Arc::new(Mutex::new(file)),
            sessions: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Wraps a driver factory so that its sessions are recorded.
    pub fn wrap(&self, inner: Arc<dyn DriverFactory>) -> Arc<dyn DriverFactory> {
        Arc::new(Recorded {
            inner,
            transcript: self.clone(),
        })
    }

    fn line(&self, session: u64, dir: &str, msg: Value) {
        let scenario = SCENARIO.try_with(Clone::clone).ok();
        let rec = json!({
            "ts": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "scenario": scenario,
            "session": session,
            "dir": dir,
            "msg": msg,
        });
        let mut out = self.out.lock().expect("transcript lock");
        // A transcript that cannot be written must not change a verdict: errors are dropped.
        let _ = writeln!(out, "{rec}");
    }
}

struct Recorded {
    inner: Arc<dyn DriverFactory>,
    transcript: Transcript,
}

impl DriverFactory for Recorded {
    fn spec(&self) -> String {
        self.inner.spec()
    }

    fn start(&self) -> BoxFuture<'_, Result<Box<dyn DriverSession>, DriverError>> {
        Box::pin(async move {
            let n = self.transcript.sessions.fetch_add(1, Ordering::Relaxed) + 1;
            let t = &self.transcript;
            t.line(
                n,
                TO,
                json!({"id": 1, "cmd": "hello", "protocol": PROTOCOL_VERSION}),
            );
            match self.inner.start().await {
                Ok(inner) => {
                    t.line(n, FROM, json!({"id": 1, "ok": hello_json(inner.hello())}));
                    Ok(Box::new(Session {
                        inner,
                        transcript: t.clone(),
                        n,
                        next_id: 1,
                    }) as Box<dyn DriverSession>)
                }
                Err(e) => {
                    t.line(n, FAILURE, Value::String(e.to_string()));
                    Err(e)
                }
            }
        })
    }
}

const TO: &str = "runner→driver";
const FROM: &str = "driver→runner";
const FAILURE: &str = "failure";

fn hello_json(h: &Hello) -> Value {
    serde_json::to_value(h).unwrap_or(Value::Null)
}

struct Session {
    inner: Box<dyn DriverSession>,
    transcript: Transcript,
    n: u64,
    next_id: u64,
}

impl DriverSession for Session {
    fn hello(&self) -> &Hello {
        self.inner.hello()
    }

    fn call(&mut self, cmd: Value) -> BoxFuture<'_, Result<Reply, DriverError>> {
        Box::pin(async move {
            self.next_id += 1;
            let id = self.next_id;
            let mut sent = cmd.clone();
            if let Some(o) = sent.as_object_mut() {
                o.insert("id".into(), json!(id));
            }
            self.transcript.line(self.n, TO, sent);
            let reply = self.inner.call(cmd).await;
            let msg = match &reply {
                Ok(Reply::Ok(v)) => json!({"id": id, "ok": v}),
                Ok(Reply::Err(e)) => json!({"id": id, "error": e}),
                Err(why) => Value::String(why.to_string()),
            };
            let dir = if reply.is_ok() { FROM } else { FAILURE };
            self.transcript.line(self.n, dir, msg);
            reply
        })
    }

    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        let me = *self;
        me.inner.shutdown()
    }
}
