//! Any request to the client or admin router: method, route (known or raw) with a query
//! string, credentials (none, a valid agent lease, valid operator credentials, raw headers),
//! extra headers and body. Reaches the query strings (approvals list, audit filters, CRUD
//! lists), the operator bodies (approve, deny, CRUD, policy) and every extractor.
#![no_main]

use arbitrary::Arbitrary;
use latchgate_mock_fuzz::harness::{harness, request};
use latchgate_mock_fuzz::json::{Json, Text};
use libfuzzer_sys::fuzz_target;

const ROUTES: &[&str] = &[
    "/healthz",
    "/readyz",
    "/v1/leases",
    "/.well-known/jwks.json",
    "/v1/actions",
    "/v1/actions/{id}",
    "/v1/actions/{id}/schema/request",
    "/v1/actions/{id}/execute",
    "/v1/approvals",
    "/v1/approvals/{id}",
    "/v1/approvals/{id}/poll",
    "/v1/approvals/{id}/approve",
    "/v1/approvals/{id}/deny",
    "/v1/receipts/{id}",
    "/v1/receipt-keys",
    "/metrics",
    "/v1/admin/revoke-all",
    "/v1/admin/epoch",
    "/v1/admin/status",
    "/v1/admin/drain",
    "/v1/admin/reload",
    "/v1/admin/domains",
    "/v1/admin/domains/clear",
    "/v1/admin/paths",
    "/v1/admin/paths/clear",
    "/v1/admin/policy",
    "/v1/admin/policy/{id}",
    "/v1/admin/policy/grant",
    "/v1/admin/policy/revoke",
    "/v1/admin/policy/allowlist",
    "/v1/audit/events",
    "/v1/audit/verify",
];

#[derive(Arbitrary, Debug)]
enum Method {
    Get,
    Post,
    Delete,
    Put,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Id {
    /// A pending approval made before the request.
    Pending,
    /// A receipt made before the request.
    Receipt,
    Text(Text),
}

#[derive(Arbitrary, Debug)]
enum Route {
    Known(u8, Id),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Auth {
    None,
    Agent,
    Operator,
    Raw {
        authorization: Option<Vec<u8>>,
        dpop: Option<Vec<u8>>,
    },
}

#[derive(Arbitrary, Debug)]
enum Body {
    Empty,
    Json(Json),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Input {
    admin: bool,
    method: Method,
    route: Route,
    query: Option<Vec<(Text, Text)>>,
    raw_query: Option<String>,
    auth: Auth,
    headers: Vec<(String, Vec<u8>)>,
    body: Body,
}

fn method(m: &Method) -> String {
    match m {
        Method::Get => "GET".into(),
        Method::Post => "POST".into(),
        Method::Delete => "DELETE".into(),
        Method::Put => "PUT".into(),
        Method::Other(s) => s.clone(),
    }
}

async fn path(input: &Input) -> String {
    let h = harness();
    let mut p = match &input.route {
        Route::Raw(s) if s.starts_with('/') => s.clone(),
        Route::Raw(s) => format!("/{s}"),
        Route::Known(i, id) => {
            let id = match id {
                Id::Pending => h.pending_approval().await,
                Id::Receipt => h.receipt().await,
                Id::Text(t) => t.get(),
            };
            ROUTES[*i as usize % ROUTES.len()].replace("{id}", &id)
        }
    };
    if let Some(pairs) = &input.query {
        let q: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", k.get(), v.get()))
            .collect();
        p = format!("{p}?{}", q.join("&"));
    } else if let Some(raw) = &input.raw_query {
        p = format!("{p}?{raw}");
    }
    p
}

fuzz_target!(|input: Input| {
    let h = harness();
    h.run(async {
        let m = method(&input.method);
        let p = path(&input).await;
        let mut headers = match &input.auth {
            Auth::None => Vec::new(),
            Auth::Agent => h.agent_headers(&m, &p).await,
            Auth::Operator => h.operator_headers(&m, &p),
            Auth::Raw {
                authorization,
                dpop,
            } => {
                let mut v = Vec::new();
                if let Some(a) = authorization {
                    v.push(("authorization".to_string(), a.clone()));
                }
                if let Some(d) = dpop {
                    v.push(("dpop".to_string(), d.clone()));
                }
                v
            }
        };
        headers.extend(input.headers.iter().cloned());
        let body = match &input.body {
            Body::Empty => Vec::new(),
            Body::Json(j) => j.value().to_string().into_bytes(),
            Body::Raw(b) => b.clone(),
        };
        if let Some(req) = request(&m, &p, &headers, body) {
            h.gate.send(input.admin, req).await;
        }
    });
});
