//! How requests reach the gate: target resolution (C-URL-01/05), one pooled HTTP/1.1
//! client per SDK client, whole-request deadlines (C-NET-01) and no redirects (C-NET-04).

mod connector;
pub(crate) mod resolve;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use http::{Method, Request};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;

use crate::crypto::htu;
use crate::error::{Endpoint, Error};
use connector::GateConnector;
pub use resolve::{default_admin_socket_path, default_socket_path, Env, Target};

/// Largest response body the SDK reads; a bigger one is a `ProtocolError`.
const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// One request to send.
pub(crate) struct Outgoing {
    pub method: Method,
    /// Route path, with an optional query.
    pub path: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Body and its content type.
    pub body: Option<(Bytes, &'static str)>,
}

impl Outgoing {
    pub(crate) fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }
}

/// A gate answer, read whole.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: Bytes,
}

/// The connection pool and the target it talks to.
#[derive(Clone)]
pub(crate) struct Transport {
    client: HyperClient<GateConnector, Full<Bytes>>,
    target: Arc<Target>,
}

impl Transport {
    pub(crate) fn new(target: Target) -> Self {
        let connector = match &target {
            Target::Tcp { .. } => GateConnector::tcp(),
            Target::Unix { path } => GateConnector::unix(path.clone()),
        };
        let client = HyperClient::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Self {
            client,
            target: Arc::new(target),
        }
    }

    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    /// The URL a route path is requested at.
    pub(crate) fn request_url(&self, path: &str) -> String {
        match &*self.target {
            Target::Tcp { base_url } => htu::join(base_url, path),
            Target::Unix { .. } => format!("http://localhost{path}"),
        }
    }

    /// Send `req` and read the whole answer within `deadline`.
    pub(crate) async fn send(
        &self,
        endpoint: Endpoint,
        req: Outgoing,
        deadline: Duration,
    ) -> Result<Incoming, Error> {
        let url = self.request_url(&req.path);
        let mut builder = Request::builder().method(req.method).uri(&url);
        for (name, value) in req.headers {
            builder = builder.header(name, value);
        }
        let body = match req.body {
            Some((bytes, content_type)) => {
                builder = builder.header(CONTENT_TYPE, content_type);
                Full::new(bytes)
            }
            None => Full::new(Bytes::new()),
        };
        let request = builder.body(body).map_err(|e| {
            Error::transport(
                endpoint,
                false,
                format!("cannot build a request for {url:?}: {e}"),
                None,
            )
        })?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| {
                // A connect failure means nothing was written; anything later may have been.
                let sent = !e.is_connect();
                let message = format!("no answer from {}: {}", self.target, describe(&e));
                Error::transport(endpoint, sent, message, Some(Arc::new(e)))
            })?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
                .collect()
                .await
                .map_err(|e| {
                    let message = format!("reading the answer of {}: {e}", self.target);
                    if e.is::<http_body_util::LengthLimitError>() {
                        Error::protocol(endpoint, Some(status), message)
                    } else {
                        Error::transport(endpoint, true, message, None)
                    }
                })?
                .to_bytes();
            Ok(Incoming {
                status,
                retry_after,
                body,
            })
        };
        match tokio::time::timeout(deadline, exchange).await {
            Ok(result) => result,
            Err(_) => Err(Error::transport(
                endpoint,
                true,
                format!(
                    "no complete answer from {} within {deadline:?}",
                    self.target
                ),
                None,
            )),
        }
    }
}

fn describe(e: &hyper_util::client::legacy::Error) -> String {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
