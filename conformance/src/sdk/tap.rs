//! The wire tap: an HTTP/1.1 proxy the runner puts between the SDK and the gate. It records every
//! request the SDK sends (the journal the SDK suite judges) and, when a scenario asks, answers in
//! the gate's place: chosen statuses and odd bodies, dropped connections, delays, rewritten lease
//! expiries. It works in front of any target, so SDK scenarios need no gate-side support.

use crate::http::{self, Endpoint, RawRequest, RawResponse};
use crate::pacing;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the SDK sent, and what it got.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Method.
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    /// Headers as sent (lower-case names, order kept).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// HTTP version, e.g. `HTTP/1.1`.
    pub version: String,
    /// Status answered (None when the connection was dropped).
    pub status: Option<u16>,
    /// True when the request reached the gate.
    pub forwarded: bool,
    /// The body answered to the SDK.
    pub response: Vec<u8>,
    /// Gate limiter refusals the tap retried before this answer (runner load, not the SDK's).
    pub limiter_refusals: u32,
}

impl Entry {
    /// All values of a header.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    /// First value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_all(name).into_iter().next()
    }
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or(&self.target)
    }
    /// The body as JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
    /// The answered body as JSON.
    pub fn response_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.response).ok()
    }
    /// One-line summary for reports.
    pub fn line(&self) -> String {
        let mut s = format!("{} {}", self.method, self.target);
        if !self.body.is_empty() {
            s.push_str(&format!(
                " {}",
                http::cut(&String::from_utf8_lossy(&self.body), 200)
            ));
        }
        match self.status {
            Some(st) => s.push_str(&format!(
                " → {st}{}",
                if self.forwarded { "" } else { " (tap)" }
            )),
            None => s.push_str(" → connection dropped"),
        }
        if self.limiter_refusals > 0 {
            s.push_str(&format!(
                " (after {} gate limiter refusal(s) the tap retried)",
                self.limiter_refusals
            ));
        }
        s
    }
}

/// What the tap does with a matching request.
#[derive(Clone)]
pub enum Action {
    /// Answer in the gate's place.
    Respond {
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
        headers: Vec<(String, String)>,
    },
    /// Close the connection after reading the request, without forwarding it.
    DropBeforeGate,
    /// Forward the request, then close the connection without answering (the effect happened).
    DropAfterGate,
    /// Wait, then forward.
    Delay(Duration),
    /// Forward, then rewrite the JSON answer.
    Rewrite(Arc<dyn Fn(Value) -> Value + Send + Sync>),
}

/// A rule: requests whose method and path match get `action`, `times` times (None = always).
#[derive(Clone)]
pub struct Rule {
    method: Option<String>,
    path_contains: String,
    times: Option<usize>,
    action: Action,
}

impl Rule {
    /// Matches requests whose path contains `path_contains` (any method).
    pub fn on(path_contains: &str, action: Action) -> Self {
        Rule {
            method: None,
            path_contains: path_contains.into(),
            times: None,
            action,
        }
    }
    /// Only for this method.
    pub fn method(mut self, m: &str) -> Self {
        self.method = Some(m.into());
        self
    }
    /// Only the next `n` matching requests.
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }
}

/// A JSON answer in the gate's place.
pub fn respond_json(status: u16, body: Value) -> Action {
    Action::Respond {
        status,
        content_type: Some("application/json".into()),
        body: serde_json::to_vec(&body).expect("json"),
        headers: vec![],
    }
}

/// A raw answer with an optional content type.
pub fn respond_raw(status: u16, content_type: Option<&str>, body: &[u8]) -> Action {
    Action::Respond {
        status,
        content_type: content_type.map(str::to_string),
        body: body.to_vec(),
        headers: vec![],
    }
}

#[derive(Default)]
struct State {
    journal: Vec<Entry>,
    rules: Vec<Rule>,
}

/// A running tap.
pub struct Tap {
    state: Arc<Mutex<State>>,
    connections: Arc<AtomicUsize>,
    url: String,
    socket: Option<std::path::PathBuf>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Tap {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Tap {
    /// Starts a tap forwarding to `upstream`, on 127.0.0.1:0, plus a Unix socket when `with_socket`.
    pub async fn start(upstream: Endpoint, with_socket: bool) -> Result<Tap, String> {
        let state = Arc::new(Mutex::new(State::default()));
        let connections = Arc::new(AtomicUsize::new(0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("tap bind: {e}"))?;
        let url = format!(
            "http://{}",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        let mut tasks = Vec::new();
        let (st, co, up) = (state.clone(), connections.clone(), upstream.clone());
        tasks.push(tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                co.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(
                    hyper_util::rt::TokioIo::new(stream),
                    st.clone(),
                    up.clone(),
                ));
            }
        }));
        let (mut socket, mut dir) = (None, None);
        if with_socket {
            let d = tempfile::tempdir().map_err(|e| e.to_string())?;
            let path = d.path().join("gate.sock");
            let ul =
                tokio::net::UnixListener::bind(&path).map_err(|e| format!("tap socket: {e}"))?;
            let (st, co, up) = (state.clone(), connections.clone(), upstream);
            tasks.push(tokio::spawn(async move {
                while let Ok((stream, _)) = ul.accept().await {
                    co.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(serve(
                        hyper_util::rt::TokioIo::new(stream),
                        st.clone(),
                        up.clone(),
                    ));
                }
            }));
            socket = Some(path);
            dir = Some(d);
        }
        Ok(Tap {
            state,
            connections,
            url,
            socket,
            tasks,
            _dir: dir,
        })
    }

    /// `http://127.0.0.1:PORT` of the tap.
    pub fn url(&self) -> &str {
        &self.url
    }
    /// The tap's Unix socket, if started with one.
    pub fn socket(&self) -> Option<&std::path::Path> {
        self.socket.as_deref()
    }
    /// Adds a rule (rules are tried in order).
    pub fn rule(&self, rule: Rule) {
        self.state.lock().expect("tap lock").rules.push(rule);
    }
    /// Removes all rules.
    pub fn clear_rules(&self) {
        self.state.lock().expect("tap lock").rules.clear();
    }
    /// Everything recorded so far.
    pub fn journal(&self) -> Vec<Entry> {
        self.state.lock().expect("tap lock").journal.clone()
    }
    /// Number of connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn serve<T>(io: T, state: Arc<Mutex<State>>, upstream: Endpoint)
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let (state, upstream) = (state.clone(), upstream.clone());
        async move { handle(req, state, upstream).await }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, svc)
        .await;
}

type Resp = hyper::Response<Full<Bytes>>;

/// Forwards a request to the gate through the runner's lease pacing ([`crate::pacing`]), noting in
/// `entry` that it reached the gate and how many limiter refusals came first.
async fn forward(
    upstream: &Endpoint,
    req: &RawRequest,
    entry: &mut Entry,
) -> Result<RawResponse, String> {
    entry.forwarded = true;
    let paced = pacing::send(upstream, req, Duration::from_secs(30)).await;
    entry.limiter_refusals = paced.refusals;
    paced.response
}

async fn handle(
    req: hyper::Request<hyper::body::Incoming>,
    state: Arc<Mutex<State>>,
    upstream: Endpoint,
) -> Result<Resp, String> {
    let method = req.method().to_string();
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_else(|| req.uri().to_string());
    let version = format!("{:?}", req.version());
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = req
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes()
        .to_vec();
    let action = {
        let mut st = state.lock().expect("tap lock");
        let path = target.split('?').next().unwrap_or("").to_string();
        let idx = st.rules.iter().position(|r| {
            r.method.as_ref().is_none_or(|m| *m == method)
                && path.contains(&r.path_contains)
                && r.times != Some(0)
        });
        idx.map(|i| {
            let rule = &mut st.rules[i];
            if let Some(t) = rule.times.as_mut() {
                *t -= 1;
            }
            rule.action.clone()
        })
    };
    let mut entry = Entry {
        method: method.clone(),
        target: target.clone(),
        headers: headers.clone(),
        body: body.clone(),
        version,
        status: None,
        forwarded: false,
        response: Vec::new(),
        limiter_refusals: 0,
    };
    let forward = RawRequest {
        method,
        target,
        headers: headers.into_iter().filter(|(n, _)| n != "host").collect(),
        body,
    };
    let outcome: Result<RawResponse, String> = match action {
        Some(Action::Respond {
            status,
            content_type,
            body,
            headers,
        }) => {
            let mut h = headers;
            if let Some(ct) = content_type {
                h.push(("content-type".into(), ct));
            }
            Ok(RawResponse {
                status,
                headers: h,
                body,
            })
        }
        Some(Action::DropBeforeGate) => Err("dropped".into()),
        Some(Action::DropAfterGate) => {
            let _ = self::forward(&upstream, &forward, &mut entry).await;
            Err("dropped".into())
        }
        Some(Action::Delay(d)) => {
            tokio::time::sleep(d).await;
            self::forward(&upstream, &forward, &mut entry).await
        }
        Some(Action::Rewrite(f)) => {
            self::forward(&upstream, &forward, &mut entry)
                .await
                .map(|mut r| {
                    if let Some(v) = r.json() {
                        r.body = serde_json::to_vec(&f(v)).expect("json");
                    }
                    r
                })
        }
        None => self::forward(&upstream, &forward, &mut entry).await,
    };
    entry.status = outcome.as_ref().ok().map(|r| r.status);
    entry.response = outcome.as_ref().map(|r| r.body.clone()).unwrap_or_default();
    state.lock().expect("tap lock").journal.push(entry);
    let r = outcome?;
    let mut builder = hyper::Response::builder().status(r.status);
    for (n, v) in &r.headers {
        if !matches!(
            n.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            builder = builder.header(n.as_str(), v.as_str());
        }
    }
    builder
        .body(Full::new(Bytes::from(r.body)))
        .map_err(|e| e.to_string())
}
