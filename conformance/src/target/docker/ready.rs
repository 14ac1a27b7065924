//! Readiness of a started container: `/readyz` answers 200 on the mapped client port, and (for
//! images that print one, like `latchgate-mock`) the JSON ready line on stdout, which carries the
//! public base and the operator credentials.

use crate::http::{self, Endpoint, RawRequest};
use serde::Deserialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use testcontainers::core::logs::LogFrame;

/// How long to keep reading stdout for a ready line once `/readyz` says 200 (a real gate prints
/// none; the mock prints it before it can answer, but the log stream may lag a little).
const READY_LINE_GRACE: Duration = Duration::from_secs(3);
const POLL: Duration = Duration::from_millis(100);

/// The operator member of the ready line.
#[derive(Clone, Debug, Deserialize)]
pub struct ReadyOperator {
    /// Operator api key.
    pub api_key: String,
    /// PKCS#8 PEM of the operator key (absent when the gate was given only a thumbprint).
    pub private_key_pem: Option<String>,
}

/// What the ready line tells (`{"event":"ready",…}`).
#[derive(Clone, Debug, Deserialize)]
pub struct ReadyLine {
    /// The gate's htu base.
    pub public_base_url: String,
    /// Working operator credentials.
    pub operator: Option<ReadyOperator>,
    /// The mock's `/_mock/` control token (absent on other gates or with `--control-open`).
    pub control_token: Option<String>,
}

/// Everything the container wrote, line by line, kept for failure reports; optionally echoed.
#[derive(Clone, Default)]
pub struct LogBuffer {
    lines: Arc<Mutex<Vec<String>>>,
    echo: bool,
}

impl LogBuffer {
    /// A buffer; with `echo` every line is also written to stderr as it arrives.
    pub fn new(echo: bool) -> Self {
        LogBuffer {
            lines: Arc::default(),
            echo,
        }
    }

    /// Appends one log frame (it may hold several lines).
    pub fn push(&self, frame: &LogFrame) {
        let (tag, bytes) = match frame {
            LogFrame::StdOut(b) => ("stdout", b),
            LogFrame::StdErr(b) => ("stderr", b),
        };
        let text = String::from_utf8_lossy(bytes);
        let mut lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            if self.echo {
                eprintln!("[container {tag}] {line}");
            }
            lines.push(format!("{tag}: {line}"));
        }
    }

    /// The ready line, once it has been written on stdout.
    pub fn ready_line(&self) -> Option<ReadyLine> {
        let lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        lines
            .iter()
            .filter_map(|l| l.strip_prefix("stdout: "))
            .filter(|l| l.contains("\"event\":\"ready\""))
            .find_map(|l| serde_json::from_str(l).ok())
    }

    /// Everything so far, one line each (`stdout: …` / `stderr: …`).
    pub fn text(&self) -> String {
        self.lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .join("\n")
    }
}

/// Polls `/readyz` on `client` until 200, then gives the ready line a short grace when
/// `want_ready_line`. Fails when `alive` reports the container gone or at `deadline`.
pub async fn wait_ready<F, Fut>(
    client: &Endpoint,
    logs: &LogBuffer,
    want_ready_line: bool,
    deadline: Duration,
    alive: F,
) -> Result<Option<ReadyLine>, String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        let last = match http::send(client, &RawRequest::new("GET", "/readyz"), POLL * 10).await {
            Ok(r) if r.status == 200 => break,
            Ok(r) => format!("/readyz answered {}", r.status),
            Err(e) => e.to_string(),
        };
        if !alive().await {
            return Err(format!("the container exited before it was ready ({last})"));
        }
        if start.elapsed() > deadline {
            return Err(format!(
                "not ready within {} s ({last})",
                deadline.as_secs()
            ));
        }
        tokio::time::sleep(POLL).await;
    }
    let grace = Instant::now();
    loop {
        if let Some(line) = logs.ready_line() {
            return Ok(Some(line));
        }
        if !want_ready_line || grace.elapsed() > READY_LINE_GRACE {
            return Ok(None);
        }
        tokio::time::sleep(POLL).await;
    }
}
