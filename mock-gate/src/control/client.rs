//! One interface over the in-process handle and the `/_mock/` control API of an
//! out-of-process mock ([`GateControl`]), and the HTTP client of that API ([`ControlClient`]).

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

use crate::control::faults::FaultRule;
use crate::control::journal::JournalEntry;

/// A control-API failure.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// Could not reach the admin listener.
    #[error("control API unreachable: {0}")]
    Transport(String),
    /// The mock refused the command.
    #[error("control API answered {status}: {body}")]
    Refused {
        /// Status.
        status: u16,
        /// Body text.
        body: String,
    },
    /// The answer did not parse.
    #[error("control API answer did not parse: {0}")]
    Decode(String),
}

/// Journal, clock, faults and reset of a mock gate, in-process or over `/_mock/`.
pub trait GateControl: Send + Sync {
    /// Every journalled request.
    fn journal_entries(&self) -> BoxFuture<'_, Result<Vec<JournalEntry>, ControlError>>;
    /// Empties the journal.
    fn clear_journal(&self) -> BoxFuture<'_, Result<(), ControlError>>;
    /// Virtual now (Unix ms).
    fn now_unix_ms(&self) -> BoxFuture<'_, Result<i64, ControlError>>;
    /// Moves virtual time forward.
    fn advance_clock(&self, by: Duration) -> BoxFuture<'_, Result<(), ControlError>>;
    /// Jumps virtual time to an instant (Unix ms).
    fn set_clock(&self, unix_ms: i64) -> BoxFuture<'_, Result<(), ControlError>>;
    /// Freezes (true) or releases (false) virtual time.
    fn freeze_clock(&self, frozen: bool) -> BoxFuture<'_, Result<(), ControlError>>;
    /// Arms a fault.
    fn inject_fault(&self, rule: FaultRule) -> BoxFuture<'_, Result<(), ControlError>>;
    /// Disarms every fault and lease-TTL override.
    fn clear_faults(&self) -> BoxFuture<'_, Result<(), ControlError>>;
    /// The next `count` leases get this TTL.
    fn set_next_lease_ttl(
        &self,
        ttl: Duration,
        count: u32,
    ) -> BoxFuture<'_, Result<(), ControlError>>;
    /// Back to the state at start.
    fn reset(&self) -> BoxFuture<'_, Result<(), ControlError>>;
}

/// Where the admin listener of an out-of-process mock is.
#[derive(Debug, Clone)]
pub enum ControlTarget {
    /// `http://host:port` of the admin listener.
    Tcp(String),
    /// Admin Unix socket.
    Unix(PathBuf),
}

/// HTTP client of the `/_mock/` control API.
#[derive(Clone)]
pub struct ControlClient {
    target: ControlTarget,
    token: Option<String>,
}

impl std::fmt::Debug for ControlClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlClient")
            .field("target", &self.target)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl ControlClient {
    /// A client for the admin listener at `target` (no token: for a `--control-open` mock).
    pub fn new(target: ControlTarget) -> Self {
        Self {
            target,
            token: None,
        }
    }

    /// Sends `token` (the ready line's `control_token`) with every request.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// A client for an admin URL (`http://127.0.0.1:3001`).
    pub fn tcp(admin_url: impl Into<String>) -> Self {
        Self::new(ControlTarget::Tcp(admin_url.into()))
    }

    /// A client for an admin socket.
    pub fn unix(path: impl Into<PathBuf>) -> Self {
        Self::new(ControlTarget::Unix(path.into()))
    }

    /// Sends one control request and returns the JSON answer (`null` for 204).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ControlError> {
        let t = |e: &dyn std::fmt::Display| ControlError::Transport(e.to_string());
        let payload = body.map(|b| b.to_string()).unwrap_or_default();
        let mut req = http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost")
            .header("content-type", "application/json");
        if let Some(token) = &self.token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        let req = req
            .body(Full::new(Bytes::from(payload)))
            .map_err(|e| t(&e))?;
        let (status, bytes) = match &self.target {
            ControlTarget::Tcp(url) => {
                let addr = url.trim_start_matches("http://").trim_end_matches('/');
                let s = tokio::net::TcpStream::connect(addr)
                    .await
                    .map_err(|e| t(&e))?;
                exchange(s, req).await?
            }
            ControlTarget::Unix(p) => {
                let s = tokio::net::UnixStream::connect(p)
                    .await
                    .map_err(|e| t(&e))?;
                exchange(s, req).await?
            }
        };
        if !(200..300).contains(&status) {
            return Err(ControlError::Refused {
                status,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| ControlError::Decode(e.to_string()))
    }

    /// Registers an action from manifest YAML with a canned output (or the built-in provider).
    pub async fn add_action_yaml(
        &self,
        yaml: &str,
        output: Option<Value>,
    ) -> Result<(), ControlError> {
        self.call(
            "POST",
            "/_mock/actions",
            Some(json!({"manifest_yaml": yaml, "output": output})),
        )
        .await
        .map(|_| ())
    }

    /// Grants actions and sinks to a principal.
    pub async fn grant(
        &self,
        principal: &str,
        actions: &[&str],
        sinks: &[&str],
    ) -> Result<(), ControlError> {
        self.call(
            "POST",
            "/_mock/policy/grant",
            Some(json!({"principal": principal, "actions": actions, "sinks": sinks})),
        )
        .await
        .map(|_| ())
    }
}

async fn exchange<S>(s: S, req: http::Request<Full<Bytes>>) -> Result<(u16, Bytes), ControlError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let t = |e: &dyn std::fmt::Display| ControlError::Transport(e.to_string());
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(s))
        .await
        .map_err(|e| t(&e))?;
    tokio::spawn(conn);
    let resp = send.send_request(req).await.map_err(|e| t(&e))?;
    let status = resp.status().as_u16();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| t(&e))?
        .to_bytes();
    Ok((status, bytes))
}

impl GateControl for ControlClient {
    fn journal_entries(&self) -> BoxFuture<'_, Result<Vec<JournalEntry>, ControlError>> {
        Box::pin(async move {
            let v = self.call("GET", "/_mock/journal", None).await?;
            serde_json::from_value(v["entries"].clone())
                .map_err(|e| ControlError::Decode(e.to_string()))
        })
    }
    fn clear_journal(&self) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.call("DELETE", "/_mock/journal", None)
                .await
                .map(|_| ())
        })
    }
    fn now_unix_ms(&self) -> BoxFuture<'_, Result<i64, ControlError>> {
        Box::pin(async move {
            let v = self.call("GET", "/_mock/clock", None).await?;
            v["now_unix_ms"]
                .as_i64()
                .ok_or_else(|| ControlError::Decode("now_unix_ms".into()))
        })
    }
    fn advance_clock(&self, by: Duration) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            let ms = by.as_millis().min(i64::MAX as u128) as i64;
            self.call("POST", "/_mock/clock", Some(json!({"advance_ms": ms})))
                .await
                .map(|_| ())
        })
    }
    fn set_clock(&self, unix_ms: i64) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.call(
                "POST",
                "/_mock/clock",
                Some(json!({"set_unix_ms": unix_ms})),
            )
            .await
            .map(|_| ())
        })
    }
    fn freeze_clock(&self, frozen: bool) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.call("POST", "/_mock/clock", Some(json!({"freeze": frozen})))
                .await
                .map(|_| ())
        })
    }
    fn inject_fault(&self, rule: FaultRule) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            let v = serde_json::to_value(&rule).map_err(|e| ControlError::Decode(e.to_string()))?;
            self.call("POST", "/_mock/faults", Some(v))
                .await
                .map(|_| ())
        })
    }
    fn clear_faults(&self) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move { self.call("DELETE", "/_mock/faults", None).await.map(|_| ()) })
    }
    fn set_next_lease_ttl(
        &self,
        ttl: Duration,
        count: u32,
    ) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.call(
                "POST",
                "/_mock/lease-ttl",
                Some(json!({"ttl_secs": ttl.as_secs(), "count": count})),
            )
            .await
            .map(|_| ())
        })
    }
    fn reset(&self) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move { self.call("POST", "/_mock/reset", None).await.map(|_| ()) })
    }
}
