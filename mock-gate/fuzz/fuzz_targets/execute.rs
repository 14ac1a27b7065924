//! Execute with valid credentials: the action id, the params (JSON built around the
//! quickstart schemas, or raw bytes), the lease's budgets and `fs_root`, repeated calls, and
//! what the operator then does with a held call (approve with a query, deny with a body).
//! Reaches the execute body parser, schema validation, limits, canonical hashing, the fs and
//! http prechecks, the providers, budgets, approvals and receipts.
#![no_main]

use arbitrary::Arbitrary;
use latchgate_mock_fuzz::harness::{harness, json_member, request, Harness};
use latchgate_mock_fuzz::json::{Json, Text};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

const ACTIONS: &[&str] = &["fs_read", "fs_write", "http_fetch", "http_post"];

#[derive(Arbitrary, Debug)]
enum Action {
    Known(u8),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Params {
    /// `operation`, `path`, `url`, `content_base64` and extra members.
    Shaped {
        operation: Option<Text>,
        path: Option<Text>,
        url: Option<Text>,
        content: Option<Json>,
        extra: Vec<(Text, Json)>,
    },
    Json(Json),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Then {
    Nothing,
    Approve(Option<String>, Vec<u8>),
    Deny(Json),
    Poll,
}

#[derive(Arbitrary, Debug)]
struct Input {
    action: Action,
    params: Params,
    max_calls: Option<Option<u64>>,
    fs_root: Option<Text>,
    calls: u8,
    then: Then,
}

fn params(p: &Params) -> Vec<u8> {
    match p {
        Params::Shaped {
            operation,
            path,
            url,
            content,
            extra,
        } => {
            let mut v = json!({});
            let mut put = |k: &str, x: Option<Value>| {
                if let Some(x) = x {
                    v[k] = x;
                }
            };
            put(
                "operation",
                operation.as_ref().map(|t| Value::from(t.get())),
            );
            put("path", path.as_ref().map(|t| Value::from(t.get())));
            put("url", url.as_ref().map(|t| Value::from(t.get())));
            put("content_base64", content.as_ref().map(Json::value));
            for (k, x) in extra {
                v[k.get()] = x.value();
            }
            v.to_string().into_bytes()
        }
        Params::Json(j) => j.value().to_string().into_bytes(),
        Params::Raw(b) => b.clone(),
    }
}

async fn lease(h: &Harness, input: &Input) -> Option<String> {
    let mut body = h.lease_body();
    match input.max_calls {
        None => {
            body.as_object_mut()?.remove("budgets");
        }
        Some(n) => body["budgets"] = json!({ "max_calls": n }),
    }
    if let Some(root) = &input.fs_root {
        body["fs_root"] = json!(root.get());
    }
    json_member(&h.lease_with(&body).await.body, "lease_jwt")
}

async fn operator(h: &Harness, then: &Then, approval: &str) {
    let (method, path, body) = match then {
        Then::Nothing => return,
        Then::Poll => return,
        Then::Approve(q, body) => {
            let mut p = format!("/v1/approvals/{approval}/approve");
            if let Some(q) = q {
                p = format!("{p}?{q}");
            }
            ("POST", p, body.clone())
        }
        Then::Deny(j) => (
            "POST",
            format!("/v1/approvals/{approval}/deny"),
            j.value().to_string().into_bytes(),
        ),
    };
    let headers = h.operator_headers(method, &path);
    if let Some(req) = request(method, &path, &headers, body) {
        h.gate.send(true, req).await;
    }
}

async fn poll(h: &Harness, token: &str, approval: &str) {
    let path = format!("/v1/approvals/{approval}/poll");
    let proof = h.proof(&h.agent_key, "GET", &path, Some(token));
    let headers = vec![
        (
            "authorization".to_string(),
            format!("DPoP {token}").into_bytes(),
        ),
        ("dpop".to_string(), proof.into_bytes()),
    ];
    if let Some(req) = request("GET", &path, &headers, Vec::new()) {
        h.gate.send(false, req).await;
    }
}

fuzz_target!(|input: Input| {
    let h = harness();
    h.run(async {
        let Some(token) = lease(h, &input).await else {
            return;
        };
        let action = match &input.action {
            Action::Known(i) => ACTIONS[*i as usize % ACTIONS.len()].to_string(),
            Action::Raw(s) => s.clone(),
        };
        let path = format!("/v1/actions/{action}/execute");
        let body = params(&input.params);
        for _ in 0..=(input.calls % 3) {
            let proof = h.proof(&h.agent_key, "POST", &path, Some(&token));
            let headers = vec![
                (
                    "authorization".to_string(),
                    format!("DPoP {token}").into_bytes(),
                ),
                ("dpop".to_string(), proof.into_bytes()),
            ];
            let Some(req) = request("POST", &path, &headers, body.clone()) else {
                return;
            };
            let answer = h.gate.send(false, req).await;
            if let Some(approval) = json_member(&answer.body, "approval_id") {
                operator(h, &input.then, &approval).await;
                if matches!(input.then, Then::Poll) || answer.status == 202 {
                    poll(h, &token, &approval).await;
                }
            }
        }
    });
});
