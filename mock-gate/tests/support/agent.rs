//! The agent side: a DPoP key holder that takes leases and calls the client routes with fresh
//! proofs.

use latchgate_mock::{MockGate, MockGateBuilder};
use p256::ecdsa::SigningKey;
use serde_json::{json, Value};

use super::http::{send, Resp, Target};
use super::jws::{ath, b64, now, sign};

/// A URL on the quickstart `http_fetch` allowlist: executes without a hold.
pub const FETCH_OK: &str = "https://httpbin.org/get";
/// A URL on no allowlist: `http_fetch` of it is held for approval.
pub const FETCH_UNKNOWN: &str = "https://example.org/data";
/// The client route that executes `http_fetch`.
pub const FETCH_PATH: &str = "/v1/actions/http_fetch/execute";

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

/// `POST /v1/leases` with the JSON `body` on `t`, as sent.
pub async fn post_lease(t: &Target, body: &Value) -> Resp {
    let json = [("content-type", "application/json")];
    send(t, "POST", "/v1/leases", &json, body.to_string().as_bytes()).await
}

/// A request on the client listener authorised by `token` and the DPoP `proof`.
pub async fn send_dpop(
    g: &MockGate,
    method: &str,
    path: &str,
    (token, proof): (&str, &str),
    body: &[u8],
) -> Resp {
    let authz = format!("DPoP {token}");
    let headers = [("authorization", authz.as_str()), ("dpop", proof)];
    send(&Target::client(g), method, path, &headers, body).await
}

/// A gate started from `builder` and a fresh agent holding a lease on it.
pub async fn leased_on(builder: MockGateBuilder) -> (MockGate, Agent, Lease) {
    let g = builder.start().await.unwrap();
    let a = Agent::new();
    let l = a.lease(&g).await;
    (g, a, l)
}

/// A quickstart gate and a fresh agent holding a lease on it.
pub async fn leased() -> (MockGate, Agent, Lease) {
    leased_on(MockGate::builder()).await
}

/// `action` with `params`, executed by a fresh agent on a fresh lease.
pub async fn execute_fresh(g: &MockGate, action: &str, params: &Value) -> Resp {
    let a = Agent::new();
    let l = a.lease(g).await;
    a.execute(g, &l, action, params).await
}

/// Asserts `action` with `params`, executed by a fresh agent, is answered `status`; `why` says
/// what that status shows.
pub async fn assert_execute_status(
    g: &MockGate,
    action: &str,
    params: &Value,
    status: u16,
    why: &str,
) {
    let r = execute_fresh(g, action, params).await;
    assert_eq!(r.status, status, "{why}: {}", r.text());
}

/// The URL a proof for `path` names as `htu`.
pub fn htu(g: &MockGate, path: &str) -> String {
    format!("{}{path}", g.public_base_url())
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

    /// The body of a lease request for this key with the `tools:call` scope.
    pub fn lease_request(&self) -> Value {
        json!({"scopes": ["tools:call"], "dpop_jwk": self.jwk()})
    }

    pub async fn lease_with(&self, g: &MockGate, extra: Value) -> Lease {
        let mut body = self.lease_request();
        if let (Some(o), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                o.insert(k.clone(), v.clone());
            }
        }
        let r = post_lease(&Target::client(g), &body).await;
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

    /// `method path` on the client listener with `lease` and a fresh proof at the gate's now.
    pub async fn call(
        &self,
        g: &MockGate,
        lease: &Lease,
        (method, path): (&str, &str),
        body: &[u8],
    ) -> Resp {
        let proof = self.proof_at(g, method, &htu(g, path), &lease.token);
        send_dpop(g, method, path, (&lease.token, &proof), body).await
    }

    /// POST execute with a fresh proof.
    pub async fn execute(&self, g: &MockGate, lease: &Lease, action: &str, body: &Value) -> Resp {
        let path = format!("/v1/actions/{action}/execute");
        let body = body.to_string();
        self.call(g, lease, ("POST", &path), body.as_bytes()).await
    }

    /// `http_fetch` of [`FETCH_OK`]: an allowed call that runs.
    pub async fn fetch_ok(&self, g: &MockGate, lease: &Lease) -> Resp {
        self.execute(g, lease, "http_fetch", &json!({"url": FETCH_OK}))
            .await
    }

    /// GET with agent auth on the client listener.
    pub async fn get(&self, g: &MockGate, lease: &Lease, path: &str) -> Resp {
        self.call(g, lease, ("GET", path), b"").await
    }

    /// The receipt named by the `receipt_id` of an execute answer, read on the client listener.
    pub async fn receipt_of(&self, g: &MockGate, lease: &Lease, executed: &Resp) -> Resp {
        let id = executed.member("receipt_id");
        self.get(g, lease, &format!("/v1/receipts/{id}")).await
    }

    /// `GET /v1/approvals/{id}/poll` with agent auth.
    pub async fn poll(&self, g: &MockGate, lease: &Lease, id: &str) -> Resp {
        self.get(g, lease, &format!("/v1/approvals/{id}/poll"))
            .await
    }

    /// `http_fetch` of `url`, expected to be held for approval (202); the held answer.
    pub async fn hold(&self, g: &MockGate, lease: &Lease, url: &str) -> Resp {
        let r = self
            .execute(g, lease, "http_fetch", &json!({"url": url}))
            .await;
        assert_eq!(
            r.status,
            202,
            "http_fetch of {url} should be held: {}",
            r.text()
        );
        r
    }

    /// The `approval_id` of an `http_fetch` of [`FETCH_UNKNOWN`], held for approval.
    pub async fn pending(&self, g: &MockGate, lease: &Lease) -> String {
        self.hold(g, lease, FETCH_UNKNOWN)
            .await
            .member("approval_id")
    }
}
