//! A gate that answers whatever the fuzz input says, over loopback HTTP/1.1, so the SDK's
//! whole answer path (transport, status, headers, body) runs as it does against a real gate.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

/// One answer: status, headers and body.
#[derive(Debug, Clone)]
pub struct Canned {
    /// HTTP status (anything from 200 to 999).
    pub status: u16,
    /// Headers (framing headers are the server's).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

/// The server's queue of answers; an empty queue answers 500 `internal_error`.
#[derive(Debug, Default, Clone)]
pub struct Answers(Arc<Mutex<VecDeque<Canned>>>);

impl Answers {
    /// Replaces the queue.
    pub fn set(&self, answers: Vec<Canned>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = answers.into();
    }

    fn next(&self) -> Canned {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
            .unwrap_or(Canned {
                status: 500,
                headers: Vec::new(),
                body: br#"{"error":"internal_error"}"#.to_vec(),
            })
    }
}

const FRAMING: [&str; 4] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
];

fn response(c: Canned) -> hyper::Response<Full<Bytes>> {
    let mut r = hyper::Response::new(Full::new(Bytes::from(c.body)));
    *r.status_mut() =
        hyper::StatusCode::from_u16(c.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    for (k, v) in c.headers {
        if FRAMING.contains(&k.to_ascii_lowercase().as_str()) {
            continue;
        }
        if let (Ok(k), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(k.as_bytes()),
            hyper::header::HeaderValue::from_str(&v),
        ) {
            r.headers_mut().append(k, v);
        }
    }
    r
}

/// Binds a loopback port and serves `answers` on it (call inside a tokio runtime).
pub async fn serve(answers: Answers) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let answers = answers.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |_req: hyper::Request<Incoming>| {
                    let c = answers.next();
                    async move { Ok::<_, std::convert::Infallible>(response(c)) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Ok(addr)
}
