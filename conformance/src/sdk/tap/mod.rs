//! The wire tap: an HTTP/1.1 proxy the runner puts between the SDK and the gate. It records every
//! request the SDK sends (the journal the SDK suite judges) and, when a scenario asks, answers in
//! the gate's place: chosen statuses and odd bodies, dropped connections, delays, rewritten lease
//! expiries. It works in front of any target, so SDK scenarios need no gate-side support.

mod entry;
mod rule;

pub use entry::{Entry, Io};
pub use rule::{respond_json, respond_raw, Action, Rule};

use crate::http::{body_bytes, header_pairs, Endpoint, RawRequest, RawResponse};
use crate::pacing;
use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct State {
    journal: Vec<Entry>,
    rules: Vec<Rule>,
    /// Requests received, counted when their head arrives (the journal records them only once
    /// answered).
    requests: usize,
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
        let tcp = Arc::new(listener);
        let accept_tcp = move || {
            let tcp = tcp.clone();
            async move { tcp.accept().await.map(|(stream, _)| stream) }
        };
        let (st, co) = (state.clone(), connections.clone());
        tasks.push(serve_each(accept_tcp, st, co, upstream.clone()));
        let (mut socket, mut dir) = (None, None);
        if with_socket {
            let d = tempfile::tempdir().map_err(|e| e.to_string())?;
            let path = d.path().join("gate.sock");
            let ul =
                tokio::net::UnixListener::bind(&path).map_err(|e| format!("tap socket: {e}"))?;
            let ul = Arc::new(ul);
            let accept_unix = move || {
                let ul = ul.clone();
                async move { ul.accept().await.map(|(stream, _)| stream) }
            };
            let (st, co) = (state.clone(), connections.clone());
            tasks.push(serve_each(accept_unix, st, co, upstream));
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
    /// Adds a rule for the next matching request only.
    pub fn once(&self, path_contains: &str, action: Action) {
        self.rule(Rule::on(path_contains, action).times(1));
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
    /// Number of requests received so far (on any connection, kept-alive ones included).
    pub fn requests(&self) -> usize {
        self.state.lock().expect("tap lock").requests
    }
    /// What the SDK has done on the wire so far: connections opened and requests sent. Equal
    /// readings mean no I/O in between, also on a kept-alive connection.
    pub fn io(&self) -> Io {
        Io {
            connections: self.connections(),
            requests: self.requests(),
        }
    }
}

/// Serves each connection `accept` hands out (counting it) until accepting fails.
fn serve_each<S, F, Fut>(
    mut accept: F,
    state: Arc<Mutex<State>>,
    connections: Arc<AtomicUsize>,
    upstream: Endpoint,
) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = std::io::Result<S>> + Send,
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        while let Ok(stream) = accept().await {
            connections.fetch_add(1, Ordering::SeqCst);
            let io = hyper_util::rt::TokioIo::new(stream);
            tokio::spawn(serve(io, state.clone(), upstream.clone()));
        }
    })
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
    state.lock().expect("tap lock").requests += 1;
    let (mut entry, forward) = read_request(req).await?;
    let action = state
        .lock()
        .expect("tap lock")
        .take_action(&entry.method, entry.path());
    let outcome = act(action, &upstream, &forward, &mut entry).await;
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

/// The journal entry of a request (not answered yet), and the request to forward (without `host`).
async fn read_request(
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<(Entry, RawRequest), String> {
    let method = req.method().to_string();
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_else(|| req.uri().to_string());
    let version = format!("{:?}", req.version());
    let headers = header_pairs(req.headers());
    let body = body_bytes(req.into_body()).await?;
    let entry = Entry {
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
        fresh_proof: None,
    };
    Ok((entry, forward))
}

impl State {
    /// The action of the first rule matching the request, counting down its `times`.
    fn take_action(&mut self, method: &str, path: &str) -> Option<Action> {
        let rule = self.rules.iter_mut().find(|r| r.matches(method, path))?;
        if let Some(t) = rule.times.as_mut() {
            *t -= 1;
        }
        Some(rule.action.clone())
    }
}

/// Does what the rule says (or forwards): the answer for the SDK, or `Err` to drop the connection.
async fn act(
    action: Option<Action>,
    upstream: &Endpoint,
    req: &RawRequest,
    entry: &mut Entry,
) -> Result<RawResponse, String> {
    match action {
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
            let _ = forward(upstream, req, entry).await;
            Err("dropped".into())
        }
        Some(Action::Delay(d)) => {
            tokio::time::sleep(d).await;
            forward(upstream, req, entry).await
        }
        Some(Action::Rewrite(f)) => forward(upstream, req, entry).await.map(|mut r| {
            if let Some(v) = r.json() {
                r.body = serde_json::to_vec(&f(v)).expect("json");
            }
            r
        }),
        None => forward(upstream, req, entry).await,
    }
}
