//! The SDK against a gate that answers anything: one agent or operator call, the answers
//! it gets (status, headers, body built from a real answer of that call, from JSON or from
//! raw bytes). Every answer must become a result or an `Error`, never a panic or a hang.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use arbitrary::Arbitrary;
use latchgate::{ApproveOptions, Client, ConnectOptions, ManualClock, OperatorClient};
use latchgate_fuzz::fake_gate::{serve, Answers, Canned};
use latchgate_fuzz::json::{apply, Edit, Json, Text};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

const VECTORS: &str = include_str!("../../../fixtures/vectors/python-sdk.json");
const OPERATOR_KEY: &str = include_str!("../../../fixtures/vectors/keys/p256-a.pkcs8.pem");
/// 2026-01-01T00:00:00Z: the client's clock; canned leases expire in 2100.
const NOW: u64 = 1_767_225_600;

fn bodies() -> Vec<Value> {
    let v: Value = serde_json::from_str(VECTORS).expect("vectors are JSON");
    let summary = json!({"approval_id": "a1", "status": "pending", "action_id": "fs_write",
        "action_version": "1.0.0", "principal": "dev:anonymous", "session_id": "s1",
        "risk_level": "high", "request_hash": "sha256:00", "created_at": "2026-01-01T00:00:00Z",
        "expires_at": "2026-01-01T00:15:00Z"});
    vec![
        json!({"lease_jwt": "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", "session_id": "s1", "lease_jti": "j1",
            "expires_at": "2100-01-01T00:00:00Z"}),
        json!({"decision": "allow", "trace_id": "t1", "action_id": "fs_read", "grant_id": "g1",
            "receipt_id": "r1", "output": {"content": "x"}, "verification_outcome": "verified",
            "verification": {"outcome": "verified", "is_fully_successful": true},
            "runtime": {"duration_ms": 1, "exit_code": 0, "fuel_consumed": 0}}),
        json!({"error": "approval_required", "approval_id": "a1", "request_hash": "sha256:00",
            "trace_id": "t1", "action_id": "fs_write", "risk_level": "high"}),
        json!({"error": "policy_denied", "deny_reason": "budget exhausted: no calls remaining"}),
        v["receipt"]["receipt"].clone(),
        v["receipt"]["keys"].clone(),
        json!({"status": "approved", "receipt_id": "r1"}),
        json!({"status": "pending", "retry_after_seconds": 2}),
        json!({"actions": [{"action_id": "fs_read", "version": "1.0.0", "risk_level": "low"}]}),
        json!({"approvals": [summary], "count": 1}),
        json!({"decision": "executed", "approval_id": "a1", "status": "approved",
            "receipt_id": "r1", "completed_at": "2026-01-01T00:00:01Z"}),
        json!({"decision": "deny", "trace_id": "t1", "action_id": "fs_write", "approval_id": "a1",
            "denied_by": "default", "deny_reason": "no"}),
        json!({"status": "ok"}),
    ]
}

#[derive(Arbitrary, Debug)]
enum Body {
    Real(u8, Vec<Edit>),
    Json(Json),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Answer {
    status: u16,
    headers: Vec<(Text, Text)>,
    body: Body,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Connect,
    Execute(Json),
    Receipt,
    ApprovalStatus,
    WaitForApproval,
    ListActions,
    GetAction,
    Schema,
    Healthz,
    Readyz,
    Jwks,
    ListApprovals,
    GetApproval,
    Approve(Option<Text>),
    Deny(Option<String>),
    ReceiptKeys,
    AdminStatus,
    OperatorReceipt,
}

#[derive(Arbitrary, Debug)]
struct Input {
    op: Op,
    /// The lease answer of `connect` before an agent call (a valid one when absent).
    lease: Option<Answer>,
    answers: Vec<Answer>,
}

struct Fake {
    rt: tokio::runtime::Runtime,
    url: String,
    answers: Answers,
    bodies: Vec<Value>,
}

fn fake() -> &'static Fake {
    static F: OnceLock<Fake> = OnceLock::new();
    F.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let answers = Answers::default();
        let addr = rt.block_on(serve(answers.clone())).expect("loopback port");
        Fake {
            rt,
            url: format!("http://{addr}"),
            answers,
            bodies: bodies(),
        }
    })
}

fn canned(f: &Fake, a: &Answer) -> Canned {
    let body = match &a.body {
        Body::Real(i, edits) => {
            let base = f.bodies[*i as usize % f.bodies.len()].clone();
            apply(base, edits).to_string().into_bytes()
        }
        Body::Json(j) => j.value().to_string().into_bytes(),
        Body::Raw(b) => b.clone(),
    };
    Canned {
        status: 200 + a.status % 800,
        headers: a.headers.iter().map(|(k, v)| (k.get(), v.get())).collect(),
        body,
    }
}

fn agent(f: &Fake) -> Client {
    Client::builder()
        .base_url(f.url.clone())
        .clock(std::sync::Arc::new(ManualClock::at_unix(NOW)))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("agent client")
}

fn operator(f: &Fake) -> OperatorClient {
    OperatorClient::builder()
        .base_url(f.url.clone())
        .api_key("fuzz-operator")
        .key_pem(OPERATOR_KEY)
        .clock(std::sync::Arc::new(ManualClock::at_unix(NOW)))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("operator client")
}

async fn call(f: &Fake, op: &Op) {
    let needs_lease = matches!(
        op,
        Op::Execute(_) | Op::Receipt | Op::ApprovalStatus | Op::WaitForApproval
    );
    let c = agent(f);
    if needs_lease && c.connect(ConnectOptions::new().max_calls(3)).await.is_err() {
        return;
    }
    let o = operator(f);
    let wait = Some(Duration::from_secs(10));
    let _ = match op {
        Op::Connect => c.connect(ConnectOptions::new()).await.map(drop),
        Op::Execute(j) => c.execute("fs_read", j.value()).await.map(drop),
        Op::Receipt => c.get_receipt("r1").await.map(drop),
        Op::ApprovalStatus => c.get_approval_status("a1").await.map(drop),
        Op::WaitForApproval => c.wait_for_approval("a1", wait).await.map(drop),
        Op::ListActions => c.list_actions().await.map(drop),
        Op::GetAction => c.get_action("fs_read").await.map(drop),
        Op::Schema => c.get_request_schema("fs_read").await.map(drop),
        Op::Healthz => c.healthz().await.map(drop),
        Op::Readyz => c.readyz().await.map(drop),
        Op::Jwks => c.lease_jwks().await.map(drop),
        Op::ListApprovals => o.list_approvals(Some("pending"), Some(10)).await.map(drop),
        Op::GetApproval => o.get_approval("a1").await.map(drop),
        Op::Approve(learn) => {
            let opts = ApproveOptions {
                learn_domain: learn.as_ref().map(Text::get),
                ..ApproveOptions::default()
            };
            o.approve("a1", opts).await.map(drop)
        }
        Op::Deny(reason) => o.deny("a1", reason.as_deref()).await.map(drop),
        Op::ReceiptKeys => o.receipt_keys().await.map(drop),
        Op::AdminStatus => o.admin_status().await.map(drop),
        Op::OperatorReceipt => o.get_receipt("r1").await.map(drop),
    };
}

fuzz_target!(|input: Input| {
    let f = fake();
    let mut queue = Vec::new();
    if matches!(
        input.op,
        Op::Execute(_) | Op::Receipt | Op::ApprovalStatus | Op::WaitForApproval
    ) {
        queue.push(match &input.lease {
            Some(a) => canned(f, a),
            None => Canned {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: f.bodies[0].to_string().into_bytes(),
            },
        });
    }
    queue.extend(input.answers.iter().take(8).map(|a| canned(f, a)));
    f.answers.set(queue);
    f.rt.block_on(call(f, &input.op));
});
