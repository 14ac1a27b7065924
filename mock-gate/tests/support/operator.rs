//! The operator side: admin-listener requests signed with the gate's generated credentials.

use latchgate_mock::MockGate;
use p256::ecdsa::SigningKey;
use serde_json::Value;

use super::agent::{htu, Agent};
use super::http::{send, Resp, Target};

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
        a.proof_at(g, method, &htu(g, path), &self.api_key)
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

    /// An operator POST without a body.
    pub async fn post(&self, g: &MockGate, path: &str) -> Resp {
        self.call(g, "POST", path, b"", &[]).await
    }

    /// `POST /v1/approvals/{id}/approve` without a body.
    pub async fn approve(&self, g: &MockGate, id: &str) -> Resp {
        self.post(g, &format!("/v1/approvals/{id}/approve")).await
    }

    /// `POST /v1/approvals/{id}/deny` without a body.
    pub async fn deny(&self, g: &MockGate, id: &str) -> Resp {
        self.post(g, &format!("/v1/approvals/{id}/deny")).await
    }
}

/// `GET /v1/audit/events<query>` as the operator: the `events` array of the 200 answer.
pub async fn audit_events(g: &MockGate, query: &str) -> Vec<Value> {
    let r = Op::of(g).get(g, &format!("/v1/audit/events{query}")).await;
    assert_eq!(r.status, 200, "audit query {query}: {}", r.text());
    r.json()["events"].as_array().cloned().unwrap_or_default()
}

/// Calls `action` as a fresh agent, expects it held (202) and approves it as the operator;
/// the approve answer.
pub async fn held_then_approved(g: &MockGate, action: &str, params: &Value) -> Resp {
    let a = Agent::new();
    let l = a.lease(g).await;
    let held = a.execute(g, &l, action, params).await;
    assert_eq!(held.status, 202, "{action} should be held: {}", held.text());
    Op::of(g).approve(g, &held.member("approval_id")).await
}
