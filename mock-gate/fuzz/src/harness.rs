//! One [`FuzzGate`] per process and the credentials a fuzz input starts from.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use bytes::Bytes;
use latchgate::crypto::dpop::{build_proof, DpopKey, ProofClaims};
use latchgate_mock::harness::{Answer, FuzzGate, FUZZ_NOW_UNIX, FUZZ_PUBLIC_BASE};
use serde_json::{json, Value};

/// The gate, a tokio runtime to drive it, and the keys of the agent and the operator.
pub struct Harness {
    rt: tokio::runtime::Runtime,
    /// The gate.
    pub gate: FuzzGate,
    /// The agent's DPoP key.
    pub agent_key: DpopKey,
    /// Another key (proofs signed by the wrong key).
    pub other_key: DpopKey,
    /// The operator's DPoP key.
    pub operator_key: DpopKey,
    jti: AtomicU64,
}

/// The process-wide harness.
pub fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let gate = rt.block_on(FuzzGate::start()).expect("fuzz gate starts");
        let pem = gate.operator().private_key_pem.clone().unwrap_or_default();
        let operator_key = DpopKey::from_pem(&pem).expect("generated operator key");
        Harness {
            rt,
            gate,
            agent_key: fixed_key(7),
            other_key: fixed_key(9),
            operator_key,
            jti: AtomicU64::new(0),
        }
    })
}

fn fixed_key(byte: u8) -> DpopKey {
    let sk = p256::ecdsa::SigningKey::from_slice(&[byte; 32]).expect("valid scalar");
    DpopKey::from_signing_key(sk)
}

/// `htu` of a path (query and fragment are not part of it).
pub fn htu(path_and_query: &str) -> String {
    let path = path_and_query.split(['?', '#']).next().unwrap_or_default();
    format!("{FUZZ_PUBLIC_BASE}{path}")
}

/// Builds a request; `None` when the method, URI or a header is not valid HTTP (a server
/// would refuse it before routing).
pub fn request(
    method: &str,
    path_and_query: &str,
    headers: &[(String, Vec<u8>)],
    body: Vec<u8>,
) -> Option<http::Request<Bytes>> {
    let mut b = http::Request::builder()
        .method(http::Method::from_bytes(method.as_bytes()).ok()?)
        .uri(http::Uri::try_from(path_and_query).ok()?)
        .header("host", "localhost:3000");
    for (k, v) in headers {
        let name = http::HeaderName::from_bytes(k.as_bytes()).ok()?;
        let value = http::HeaderValue::from_bytes(v).ok()?;
        b = b.header(name, value);
    }
    b.body(Bytes::from(body)).ok()
}

impl Harness {
    /// Resets the gate and the jti counter, then runs `f` to completion.
    pub fn run<F: std::future::Future>(&self, f: F) -> F::Output {
        self.gate.reset();
        self.jti.store(0, Ordering::Relaxed);
        self.rt.block_on(f)
    }

    /// A fresh, deterministic `jti`.
    pub fn jti(&self) -> String {
        format!("fuzz-jti-{}", self.jti.fetch_add(1, Ordering::Relaxed))
    }

    /// The claims of a valid proof for `method` and `path`, bound to `token` when given.
    pub fn proof_claims(&self, method: &str, path: &str, token: Option<&str>) -> Value {
        let mut c = json!({
            "jti": self.jti(),
            "htm": method,
            "htu": htu(path),
            "iat": FUZZ_NOW_UNIX,
        });
        if let Some(t) = token {
            c["ath"] = json!(latchgate::crypto::ath(t));
        }
        c
    }

    /// A valid proof signed by `key`.
    pub fn proof(&self, key: &DpopKey, method: &str, path: &str, token: Option<&str>) -> String {
        let claims = ProofClaims {
            jti: self.jti(),
            htm: method.into(),
            htu: htu(path),
            iat: FUZZ_NOW_UNIX as i64,
            ath: token.map(latchgate::crypto::ath).unwrap_or_default(),
        };
        build_proof(key, &claims)
    }

    /// The body of a valid lease request for the agent key.
    pub fn lease_body(&self) -> Value {
        json!({
            "scopes": ["tools:call"],
            "dpop_jwk": self.agent_key.public_jwk(),
            "budgets": {"max_calls": 5},
        })
    }

    /// Sends a lease request with `body` and a valid proof; the answer.
    pub async fn lease_with(&self, body: &Value) -> Answer {
        let proof = self.proof(&self.agent_key, "POST", "/v1/leases", None);
        let headers = vec![
            ("dpop".to_string(), proof.into_bytes()),
            ("content-type".to_string(), b"application/json".to_vec()),
        ];
        let req = request(
            "POST",
            "/v1/leases",
            &headers,
            body.to_string().into_bytes(),
        )
        .expect("valid lease request");
        self.gate.send(false, req).await
    }

    /// A lease JWT for the agent key (from a valid lease request).
    pub async fn lease(&self) -> String {
        let a = self.lease_with(&self.lease_body()).await;
        let v: Value = serde_json::from_slice(&a.body).expect("lease answer is JSON");
        v["lease_jwt"].as_str().expect("lease issued").to_string()
    }

    /// `Authorization` and `DPoP` of an agent request with a fresh lease.
    pub async fn agent_headers(&self, method: &str, path: &str) -> Vec<(String, Vec<u8>)> {
        let token = self.lease().await;
        let proof = self.proof(&self.agent_key, method, path, Some(&token));
        vec![
            ("authorization".into(), format!("DPoP {token}").into_bytes()),
            ("dpop".into(), proof.into_bytes()),
        ]
    }

    /// `Authorization` and `DPoP` of an operator request.
    pub fn operator_headers(&self, method: &str, path: &str) -> Vec<(String, Vec<u8>)> {
        let key = &self.gate.operator().api_key;
        let proof = self.proof(&self.operator_key, method, path, None);
        vec![
            ("authorization".into(), format!("DPoP {key}").into_bytes()),
            ("dpop".into(), proof.into_bytes()),
        ]
    }

    /// Executes `action` with `params` as the agent; the answer.
    pub async fn execute(&self, action: &str, params: &Value) -> Answer {
        let path = format!("/v1/actions/{action}/execute");
        let headers = self.agent_headers("POST", &path).await;
        match request("POST", &path, &headers, params.to_string().into_bytes()) {
            Some(req) => self.gate.send(false, req).await,
            None => Answer {
                status: 0,
                headers: http::HeaderMap::new(),
                body: Bytes::new(),
            },
        }
    }

    /// The id of a pending approval (an `fs_write` held for the operator).
    pub async fn pending_approval(&self) -> String {
        let write = json!({"operation": "write", "path": "docs/new.md", "content_base64": "eA=="});
        self.member_of_execute("fs_write", &write, "approval_id")
            .await
    }

    /// The id of a receipt (an executed `fs_read`).
    pub async fn receipt(&self) -> String {
        let read = json!({"operation": "read", "path": "README.md"});
        self.member_of_execute("fs_read", &read, "receipt_id").await
    }

    /// The string member `name` of the answer to executing `action` with `params`; panics with
    /// the answer when it has none.
    async fn member_of_execute(&self, action: &str, params: &Value, name: &str) -> String {
        let a = self.execute(action, params).await;
        json_member(&a.body, name).unwrap_or_else(|| {
            panic!(
                "{action} answered without {name}: {} {}",
                a.status,
                String::from_utf8_lossy(&a.body)
            )
        })
    }
}

/// A string member of a JSON object body.
pub fn json_member(body: &[u8], name: &str) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get(name)?.as_str().map(str::to_string)
}
