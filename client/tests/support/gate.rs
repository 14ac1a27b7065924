//! A scriptable HTTP/1.1 server on TCP or a Unix socket that records every request and
//! counts connections: the stand-in gate for tests wiremock cannot express (Unix sockets,
//! requests held open on purpose).

use std::convert::Infallible;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, UnixListener};

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Request target as sent (path and query).
    pub target: String,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// What to answer.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// An answer with `status` and no body.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: vec![],
            body: vec![],
        }
    }

    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }
}

pub type Handler =
    Arc<dyn Fn(Recorded) -> Pin<Box<dyn Future<Output = Reply> + Send>> + Send + Sync>;

/// A handler answering `POST /v1/leases` with 300 s leases issued at `T0` (see
/// [`super::LeaseResponder`]) and every other request with `other`.
pub fn leasing<F, Fut>(other: F) -> Handler
where
    F: Fn(Recorded) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Reply> + Send + 'static,
{
    let leases = Arc::new(super::LeaseResponder::fixed(super::T0, 300));
    let other = Arc::new(other);
    Arc::new(move |req| {
        if req.target == "/v1/leases" {
            let reply = Reply::json(200, leases.body());
            return Box::pin(std::future::ready(reply));
        }
        Box::pin(other(req))
    })
}

pub struct ScriptedGate {
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    pub connections: Arc<AtomicUsize>,
    pub url: Option<String>,
    pub socket: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ScriptedGate {
    fn drop(&mut self) {
        self.task.abort();
    }
}

enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

impl ScriptedGate {
    pub async fn tcp(handler: Handler) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind tcp");
        let url = format!("http://{}", listener.local_addr().unwrap());
        Self::start(Listener::Tcp(listener), handler, Some(url), None, None)
    }

    pub async fn unix(handler: Handler) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gate.sock");
        let listener = UnixListener::bind(&path).expect("bind unix socket");
        Self::start(
            Listener::Unix(listener),
            handler,
            None,
            Some(path),
            Some(dir),
        )
    }

    fn start(
        listener: Listener,
        handler: Handler,
        url: Option<String>,
        socket: Option<PathBuf>,
        dir: Option<tempfile::TempDir>,
    ) -> Self {
        let requests: Arc<Mutex<Vec<Recorded>>> = Default::default();
        let connections: Arc<AtomicUsize> = Default::default();
        let (reqs, conns) = (Arc::clone(&requests), Arc::clone(&connections));
        let task = tokio::spawn(async move {
            loop {
                match &listener {
                    Listener::Tcp(l) => match l.accept().await {
                        Ok((s, _)) => serve(TokioIo::new(s), &handler, &reqs, &conns),
                        Err(_) => return,
                    },
                    Listener::Unix(l) => match l.accept().await {
                        Ok((s, _)) => serve(TokioIo::new(s), &handler, &reqs, &conns),
                        Err(_) => return,
                    },
                }
            }
        });
        Self {
            requests,
            connections,
            url,
            socket,
            _dir: dir,
            task,
        }
    }

    /// A client builder for this gate (its URL or socket), with agent id `a`.
    pub fn builder(&self) -> latchgate::ClientBuilder {
        let builder = latchgate::Client::builder().agent_id("a");
        match (&self.url, &self.socket) {
            (Some(url), _) => builder.base_url(url.clone()),
            (None, Some(socket)) => builder.socket(socket.clone()),
            (None, None) => unreachable!("a gate listens somewhere"),
        }
    }

    pub fn recorded(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self, method: &str, path: &str) -> usize {
        self.recorded()
            .iter()
            .filter(|r| r.method == method && r.target.split('?').next() == Some(path))
            .count()
    }

    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn serve<IO>(
    io: IO,
    handler: &Handler,
    requests: &Arc<Mutex<Vec<Recorded>>>,
    connections: &Arc<AtomicUsize>,
) where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    connections.fetch_add(1, Ordering::SeqCst);
    let handler = Arc::clone(handler);
    let requests = Arc::clone(requests);
    tokio::spawn(async move {
        let service = service_fn(move |req: Request<Incoming>| {
            let handler = Arc::clone(&handler);
            let requests = Arc::clone(&requests);
            async move {
                let (parts, body) = req.into_parts();
                let body = body
                    .collect()
                    .await
                    .map(|b| b.to_bytes().to_vec())
                    .unwrap_or_default();
                let recorded = Recorded {
                    method: parts.method.to_string(),
                    target: parts
                        .uri
                        .path_and_query()
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                    headers: parts.headers,
                    body,
                };
                requests.lock().unwrap().push(recorded.clone());
                let reply = handler(recorded).await;
                let mut response = Response::builder().status(reply.status);
                for (k, v) in reply.headers {
                    response = response.header(k, v);
                }
                Ok::<_, Infallible>(response.body(Full::new(Bytes::from(reply.body))).unwrap())
            }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(io, service)
            .await;
    });
}
