//! A raw HTTP/1.1 client for crafted requests: one connection per request over TCP or a Unix
//! socket, headers sent exactly as given (duplicates, odd Host values), the whole body read back.

mod early_answer;

use bytes::Bytes;
use early_answer::ReadsAfterPeerStopsReading;
use http_body_util::{BodyExt, Full};
use serde_json::Value;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Where a listener is reachable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `http://host:port` (no trailing slash).
    Tcp(String),
    /// A Unix domain socket; requests use `Host: localhost`.
    Unix(PathBuf),
}

impl Endpoint {
    /// The base URL an SDK would be given for this endpoint (`http://localhost` for a socket).
    pub fn base_url(&self) -> String {
        match self {
            Endpoint::Tcp(u) => u.clone(),
            Endpoint::Unix(_) => "http://localhost".into(),
        }
    }

    fn authority(&self) -> String {
        match self {
            Endpoint::Tcp(u) => u
                .split("://")
                .nth(1)
                .unwrap_or(u)
                .trim_end_matches('/')
                .to_string(),
            Endpoint::Unix(_) => "localhost".into(),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp(u) => f.write_str(u),
            Endpoint::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

/// A request as it goes on the wire.
#[derive(Clone, Debug, Default)]
pub struct RawRequest {
    /// Method, e.g. `POST`.
    pub method: String,
    /// Path and query, e.g. `/v1/leases`.
    pub target: String,
    /// Headers in order; a `host` entry replaces the default Host.
    pub headers: Vec<(String, String)>,
    /// Body bytes (empty for none).
    pub body: Vec<u8>,
    /// Makes a new `dpop` header value for the same request, for a resend after a limiter
    /// refusal: the gate spends a proof's `jti` before its limiters refuse the request.
    pub fresh_proof: Option<ProofSource>,
}

/// Makes a fresh, correct DPoP proof (new `jti`, current `iat`) for one request.
#[derive(Clone)]
pub struct ProofSource(std::sync::Arc<dyn Fn() -> String + Send + Sync>);

impl ProofSource {
    /// A source calling `make` for each proof.
    pub fn new(make: impl Fn() -> String + Send + Sync + 'static) -> Self {
        ProofSource(std::sync::Arc::new(make))
    }

    /// A new proof.
    pub fn make(&self) -> String {
        (self.0)()
    }
}

impl fmt::Debug for ProofSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProofSource")
    }
}

impl RawRequest {
    /// A request without headers or body.
    pub fn new(method: &str, target: &str) -> Self {
        RawRequest {
            method: method.into(),
            target: target.into(),
            ..Default::default()
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Attaches the source of fresh proofs for this request (see [`RawRequest::fresh_proof`]).
    pub fn with_fresh_proof(mut self, source: ProofSource) -> Self {
        self.fresh_proof = Some(source);
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json(mut self, body: &Value) -> Self {
        self.body = serde_json::to_vec(body).unwrap_or_default();
        self.header("content-type", "application/json")
    }
}

/// A response as it came back.
#[derive(Clone, Debug)]
pub struct RawResponse {
    /// Status code.
    pub status: u16,
    /// Headers (names lower-case).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// First value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_values(&self.headers, name).first().copied()
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `error` member of a JSON object body, if it is a string.
    pub fn code(&self) -> Option<String> {
        self.json()?.get("error")?.as_str().map(str::to_string)
    }

    /// A JSON answer for unit tests of the judging code.
    #[cfg(test)]
    pub(crate) fn json_for_test(status: u16, body: &str) -> Self {
        RawResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }
}

/// One request and what came back, kept for failure reports.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// Where it was sent.
    pub endpoint: String,
    /// The request.
    pub request: RawRequest,
    /// The response, or the transport error.
    pub response: Result<RawResponse, String>,
    /// What the runner did on the way (e.g. lease limiter refusals it retried).
    pub note: Option<String>,
}

impl Exchange {
    /// A short human excerpt: request line, interesting headers, bodies cut at 300 bytes.
    pub fn excerpt(&self) -> String {
        let mut s = format!(
            "→ {} {} ({})",
            self.request.method, self.request.target, self.endpoint
        );
        for (n, v) in &self.request.headers {
            s.push_str(&format!("\n   {n}: {}", cut(v, 120)));
        }
        if !self.request.body.is_empty() {
            s.push_str(&format!(
                "\n   {}",
                cut(&String::from_utf8_lossy(&self.request.body), 300)
            ));
        }
        match &self.response {
            Ok(r) => {
                s.push_str(&format!("\n← {}", r.status));
                if let Some(ct) = r.header("content-type") {
                    s.push_str(&format!(" ({ct})"));
                }
                let body = if r.body.is_empty() {
                    "<empty body>".to_string()
                } else {
                    r.text()
                };
                s.push_str(&format!("\n   {}", cut(&body, 300)));
            }
            Err(e) => s.push_str(&format!("\n← transport error: {e}")),
        }
        if let Some(n) = &self.note {
            s.push_str(&format!("\n   ({n})"));
        }
        s
    }
}

/// Shortens `s` to `n` characters with an ellipsis.
pub fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// Why a request got no complete answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The deadline passed before the whole answer was read.
    #[error("no complete answer within {ms} ms")]
    Timeout {
        /// The deadline.
        ms: u128,
    },
    /// The request cannot be built (a method, target or header HTTP does not allow).
    #[error("bad request: {0}")]
    BadRequest(http::Error),
    /// The connection cannot be opened.
    #[error("connect {to}: {source}")]
    Connect {
        /// The URL or socket path.
        to: String,
        /// Why.
        source: std::io::Error,
    },
    /// The HTTP exchange failed (handshake, sending, the answer's head).
    #[error("{0}")]
    Http(#[from] hyper::Error),
    /// The answer's body could not be read.
    #[error("{0}")]
    Body(String),
}

/// Sends one request on a fresh connection; the deadline covers connect, send and the whole body.
pub async fn send(
    endpoint: &Endpoint,
    req: &RawRequest,
    timeout: Duration,
) -> Result<RawResponse, SendError> {
    match tokio::time::timeout(timeout, send_inner(endpoint, req)).await {
        Ok(r) => r,
        Err(_) => Err(SendError::Timeout {
            ms: timeout.as_millis(),
        }),
    }
}

async fn send_inner(endpoint: &Endpoint, req: &RawRequest) -> Result<RawResponse, SendError> {
    let mut builder = http::Request::builder()
        .method(req.method.as_str())
        .uri(req.target.as_str());
    if !req
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("host"))
    {
        builder = builder.header("host", endpoint.authority());
    }
    for (n, v) in &req.headers {
        builder = builder.header(n.as_str(), v.as_str());
    }
    let request = builder
        .body(Full::new(Bytes::from(req.body.clone())))
        .map_err(SendError::BadRequest)?;
    let connect = |to: String| move |source| SendError::Connect { to, source };
    match endpoint {
        Endpoint::Tcp(url) => {
            let stream = tokio::net::TcpStream::connect(endpoint.authority())
                .await
                .map_err(connect(url.clone()))?;
            exchange(hyper_util::rt::TokioIo::new(stream), request).await
        }
        Endpoint::Unix(path) => {
            let stream = tokio::net::UnixStream::connect(path)
                .await
                .map_err(connect(path.display().to_string()))?;
            exchange(hyper_util::rt::TokioIo::new(stream), request).await
        }
    }
}

async fn exchange<T>(io: T, request: http::Request<Full<Bytes>>) -> Result<RawResponse, SendError>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let io = ReadsAfterPeerStopsReading::new(io);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let resp = sender.send_request(request).await?;
    let status = resp.status().as_u16();
    let headers = header_pairs(resp.headers());
    let body = body_bytes(resp.into_body())
        .await
        .map_err(SendError::Body)?;
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

/// The values of a header, by lower-case name, in order.
pub(crate) fn header_values<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Header names and values as text (values lossily decoded).
pub(crate) fn header_pairs(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A whole HTTP body.
pub(crate) async fn body_bytes<B>(body: B) -> Result<Vec<u8>, String>
where
    B: hyper::body::Body,
    B::Error: std::fmt::Display,
{
    Ok(body
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes()
        .to_vec())
}
