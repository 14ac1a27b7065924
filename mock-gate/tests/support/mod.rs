//! Test support: a raw HTTP/1.1 client over TCP or Unix sockets and hand-built DPoP proofs,
//! written independently of the `latchgate` SDK so the mock's rules are checked on their own.
#![allow(dead_code)]

use std::path::PathBuf;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use latchgate_mock::MockGate;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

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
#[derive(Debug)]
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

pub fn b64(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

pub fn ath(token: &str) -> String {
    b64(&Sha256::digest(token.as_bytes()))
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Compact JWS over arbitrary header/claims.
pub fn sign(key: &SigningKey, header: &Value, claims: &Value) -> String {
    let h = b64(&serde_json::to_vec(header).unwrap());
    let c = b64(&serde_json::to_vec(claims).unwrap());
    let sig: Signature = key.sign(format!("{h}.{c}").as_bytes());
    format!("{h}.{c}.{}", b64(&sig.to_bytes()))
}

/// A DPoP key holder.
pub struct Agent {
    pub key: SigningKey,
}

/// A lease.
pub struct Lease {
    pub token: String,
    pub session_id: String,
    pub body: Value,
}

impl Agent {
    pub fn new() -> Self {
        Self {
            key: SigningKey::random(&mut rand::rngs::OsRng),
        }
    }

    pub fn jwk(&self) -> Value {
        let p = self.key.verifying_key().to_encoded_point(false);
        json!({"kty": "EC", "crv": "P-256", "x": b64(p.x().unwrap()), "y": b64(p.y().unwrap())})
    }

    pub fn header(&self) -> Value {
        json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk()})
    }

    pub fn claims(htm: &str, htu: &str, token: &str) -> Value {
        json!({"jti": uuid::Uuid::new_v4().to_string(), "htm": htm, "htu": htu, "iat": now(), "ath": ath(token)})
    }

    pub fn proof(&self, htm: &str, htu: &str, token: &str) -> String {
        sign(&self.key, &self.header(), &Self::claims(htm, htu, token))
    }

    /// A proof whose `iat` is the gate's virtual now.
    pub fn proof_at(&self, g: &MockGate, htm: &str, htu: &str, token: &str) -> String {
        let mut c = Self::claims(htm, htu, token);
        c["iat"] = json!(g.clock().now_unix());
        sign(&self.key, &self.header(), &c)
    }

    pub async fn lease_with(&self, g: &MockGate, extra: Value) -> Lease {
        let mut body = json!({"scopes": ["tools:call"], "dpop_jwk": self.jwk()});
        if let (Some(o), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                o.insert(k.clone(), v.clone());
            }
        }
        let r = send(
            &Target::client(g),
            "POST",
            "/v1/leases",
            &[("content-type", "application/json")],
            body.to_string().as_bytes(),
        )
        .await;
        assert_eq!(r.status, 200, "lease: {}", r.text());
        let v = r.json();
        Lease {
            token: v["lease_jwt"].as_str().unwrap().into(),
            session_id: v["session_id"].as_str().unwrap().into(),
            body: v,
        }
    }

    pub async fn lease(&self, g: &MockGate) -> Lease {
        self.lease_with(g, json!({})).await
    }

    /// POST execute with a fresh proof.
    pub async fn execute(&self, g: &MockGate, lease: &Lease, action: &str, body: &Value) -> Resp {
        let path = format!("/v1/actions/{action}/execute");
        let proof = self.proof_at(
            g,
            "POST",
            &format!("{}{path}", g.public_base_url()),
            &lease.token,
        );
        let authz = format!("DPoP {}", lease.token);
        send(
            &Target::client(g),
            "POST",
            &path,
            &[("authorization", &authz), ("dpop", &proof)],
            body.to_string().as_bytes(),
        )
        .await
    }

    /// GET with agent auth on the client listener.
    pub async fn get(&self, g: &MockGate, lease: &Lease, path: &str) -> Resp {
        let proof = self.proof_at(
            g,
            "GET",
            &format!("{}{path}", g.public_base_url()),
            &lease.token,
        );
        let authz = format!("DPoP {}", lease.token);
        send(
            &Target::client(g),
            "GET",
            path,
            &[("authorization", &authz), ("dpop", &proof)],
            b"",
        )
        .await
    }
}

/// Operator requests signed with the gate's generated credentials.
pub struct Op {
    pub key: SigningKey,
    pub api_key: String,
}

impl Op {
    pub fn of(g: &MockGate) -> Self {
        use p256::pkcs8::DecodePrivateKey;
        let c = g.operator_credentials();
        Self {
            key: SigningKey::from_pkcs8_pem(c.private_key_pem.as_deref().unwrap()).unwrap(),
            api_key: c.api_key.clone(),
        }
    }

    pub fn proof(&self, g: &MockGate, method: &str, path: &str) -> String {
        let a = Agent {
            key: self.key.clone(),
        };
        a.proof_at(
            g,
            method,
            &format!("{}{path}", g.public_base_url()),
            &self.api_key,
        )
    }

    pub async fn call(
        &self,
        g: &MockGate,
        method: &str,
        path: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> Resp {
        let route = path.split('?').next().unwrap();
        let proof = self.proof(g, method, route);
        let authz = format!("DPoP {}", self.api_key);
        let mut h: Vec<(&str, &str)> = vec![("authorization", &authz), ("dpop", &proof)];
        h.extend_from_slice(extra);
        send(&Target::admin(g), method, path, &h, body).await
    }
}

impl Op {
    /// An operator request with a JSON body.
    pub async fn json(&self, g: &MockGate, method: &str, path: &str, body: Value) -> Resp {
        let json = ("content-type", "application/json");
        self.call(g, method, path, body.to_string().as_bytes(), &[json])
            .await
    }

    /// An operator GET.
    pub async fn get(&self, g: &MockGate, path: &str) -> Resp {
        self.call(g, "GET", path, b"", &[]).await
    }
}

/// Replaces the values of volatile string members with `<name>` (order and bytes of the rest
/// are kept), for snapshots.
pub fn redact(body: &str) -> String {
    const KEYS: [&str; 25] = [
        "added_at",
        "lease_jwt",
        "session_id",
        "lease_jti",
        "expires_at",
        "trace_id",
        "approval_id",
        "request_hash",
        "grant_id",
        "receipt_id",
        "result_hash",
        "receipt_signature",
        "signing_key_id",
        "started_at",
        "finished_at",
        "created_at",
        "completed_at",
        "claimed_at",
        "plan_hash",
        "approval_hash",
        "operator_sender_binding",
        "kid",
        "x",
        "y",
        "x_hex",
    ];
    let mut out = body.to_string();
    for k in KEYS {
        let pat = format!("\"{k}\":\"");
        let mut from = 0;
        while let Some(i) = out[from..].find(&pat) {
            let start = from + i + pat.len();
            let end = start + out[start..].find('"').unwrap();
            out.replace_range(start..end, &format!("<{k}>"));
            from = start;
        }
    }
    let pat = "\"duration_ms\":";
    if let Some(i) = out.find(pat) {
        let start = i + pat.len();
        let end = start + out[start..].find(|c: char| !c.is_ascii_digit()).unwrap();
        out.replace_range(start..end, "0");
    }
    out
}

/// `GET /v1/audit/events<query>` as the operator: the `events` array of the 200 answer.
pub async fn audit_events(g: &MockGate, query: &str) -> Vec<Value> {
    let r = Op::of(g)
        .call(g, "GET", &format!("/v1/audit/events{query}"), b"", &[])
        .await;
    assert_eq!(r.status, 200, "audit query {query}: {}", r.text());
    r.json()["events"].as_array().cloned().unwrap_or_default()
}

/// Calls in a burst: more than a one-token bucket serves within one second.
pub const BURST: usize = 10;

/// A gate whose operator read and write buckets hold one token each.
pub async fn one_token_gate(dev_mode: bool) -> MockGate {
    MockGate::builder()
        .rate_limits(latchgate_mock::RateLimits {
            operator_read_rps: 1,
            operator_write_rps: 1,
            ..latchgate_mock::RateLimits::default()
        })
        .dev_mode(dev_mode)
        .start()
        .await
        .unwrap()
}

/// The same operator call [`BURST`] times (a JSON body when `body` is given), with the gate's
/// clock frozen so that the whole burst falls within one second of its buckets.
pub async fn burst(g: &MockGate, method: &str, path: &str, body: Option<&Value>) -> Vec<Resp> {
    g.clock().freeze();
    let op = Op::of(g);
    let mut out = Vec::with_capacity(BURST);
    for _ in 0..BURST {
        out.push(match body {
            Some(b) => op.json(g, method, path, b.clone()).await,
            None => op.call(g, method, path, b"", &[]).await,
        });
    }
    out
}

/// The first 429 of a burst, or the statuses it got when there was none.
pub fn first_429(rs: &[Resp]) -> Result<&Resp, Vec<u16>> {
    rs.iter()
        .find(|r| r.status == 429)
        .ok_or_else(|| rs.iter().map(|r| r.status).collect())
}

/// A temporary fs root holding `entries`: `(path, content)` files (parents made) and
/// `("dir/", "")` directories.
pub fn fs_root_with(entries: &[(&str, &str)]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    for (path, content) in entries {
        let full = root.path().join(path);
        if path.ends_with('/') {
            std::fs::create_dir_all(&full).unwrap();
        } else {
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, content).unwrap();
        }
    }
    root
}

/// A quickstart gate on the fs root `root`.
pub async fn fs_gate(root: &std::path::Path) -> MockGate {
    MockGate::builder().fs_root(root).start().await.unwrap()
}

/// A quickstart gate on `root` where `dev:anonymous` may also call (the always held) `fs_write`.
pub async fn fs_write_gate(root: &std::path::Path) -> MockGate {
    MockGate::builder()
        .fs_root(root)
        .grant("dev:anonymous", &["fs_write"], &["fs_write"])
        .start()
        .await
        .unwrap()
}

/// `fs_read` parameters.
pub fn fs_read(path: &str) -> Value {
    json!({"operation": "read", "path": path})
}

/// Calls `action` as a fresh agent, expects it held (202) and approves it as the operator;
/// the approve answer.
pub async fn held_then_approved(g: &MockGate, action: &str, params: &Value) -> Resp {
    let a = Agent::new();
    let l = a.lease(g).await;
    let held = a.execute(g, &l, action, params).await;
    assert_eq!(held.status, 202, "{action} should be held: {}", held.text());
    let id = held.json()["approval_id"].as_str().unwrap().to_string();
    Op::of(g)
        .call(g, "POST", &format!("/v1/approvals/{id}/approve"), b"", &[])
        .await
}

/// A receipt's `result_hash` recomputed from its members (times with `+00:00`, JCS, SHA-256
/// hex), independently of the mock's code.
pub fn receipt_result_hash(r: &Value) -> String {
    let mut m = serde_json::Map::new();
    for k in [
        "receipt_id",
        "grant_id",
        "provider_module_digest",
        "provider_receipt",
        "normalized_result",
        "verification_outcome",
        "effect_evidence",
        "started_at",
        "finished_at",
        "failure_class",
    ] {
        let mut v = r[k].clone();
        if k.ends_with("_at") {
            v = json!(v.as_str().unwrap().replace('Z', "+00:00"));
        }
        m.insert(k.into(), v);
    }
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(
        serde_json_canonicalizer::to_string(&Value::Object(m))
            .unwrap()
            .as_bytes(),
    ))
}
