//! A raw HTTP/1.1 client over TCP or Unix sockets: one request a connection, the answer's
//! status, headers and body as sent.

use std::path::PathBuf;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use latchgate_mock::MockGate;
use serde_json::Value;

/// Where to send.
#[derive(Debug, Clone)]
pub enum Target {
    /// `host:port`.
    Tcp(String),
    /// Socket path.
    Unix(PathBuf),
}

impl Target {
    pub fn client(g: &MockGate) -> Self {
        Target::Tcp(g.url().unwrap().trim_start_matches("http://").to_string())
    }
    pub fn admin(g: &MockGate) -> Self {
        Target::Tcp(
            g.admin_url()
                .unwrap()
                .trim_start_matches("http://")
                .to_string(),
        )
    }
}

/// A response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
    /// The string member `name` of the JSON body (`approval_id`, `receipt_id`, ...).
    pub fn member(&self, name: &str) -> String {
        self.json()[name]
            .as_str()
            .unwrap_or_else(|| panic!("no string member {name:?} in {}", self.text()))
            .to_string()
    }
    /// Asserts the status and the body text; `what` names the call in the failure message.
    #[track_caller]
    pub fn assert_is(&self, status: u16, body: &str, what: &str) {
        assert_eq!(
            (self.status, self.text().as_str()),
            (status, body),
            "{what}"
        );
    }
}

/// Sends one request; `Err` when the connection closes without a response.
pub async fn try_send(
    t: &Target,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Resp, String> {
    let mut b = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let req = b.body(Full::new(Bytes::copy_from_slice(body))).unwrap();
    let resp = match t {
        Target::Tcp(addr) => {
            let s = tokio::net::TcpStream::connect(addr)
                .await
                .map_err(|e| e.to_string())?;
            exchange(s, req).await?
        }
        Target::Unix(p) => {
            let s = tokio::net::UnixStream::connect(p)
                .await
                .map_err(|e| e.to_string())?;
            exchange(s, req).await?
        }
    };
    Ok(resp)
}

async fn exchange<S>(s: S, req: http::Request<Full<Bytes>>) -> Result<Resp, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(s))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let resp = send.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes()
        .to_vec();
    Ok(Resp {
        status,
        headers,
        body,
    })
}

/// Sends one request and expects a response.
pub async fn send(
    t: &Target,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    try_send(t, method, path, headers, body)
        .await
        .expect("a response")
}

/// `GET path` on the client listener without credentials.
pub async fn get_client(g: &MockGate, path: &str) -> Resp {
    send(&Target::client(g), "GET", path, &[], b"").await
}
