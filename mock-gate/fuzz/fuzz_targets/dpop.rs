//! DPoP proofs and lease JWTs: a valid proof and lease edited member by member (header,
//! claims, `jwk`, signature; lease claims re-signed by the gate or tampered without), or raw
//! text, sent to lease issuance, execute, poll, receipt and an operator route. The lease
//! request body is edited the same way. Reaches proof decoding and verification, `htu`
//! normalisation, lease decoding and verification and the lease request parser.
#![no_main]

use arbitrary::Arbitrary;
use latchgate::crypto::b64;
use latchgate::crypto::dpop::{decode_unverified, sign_compact, standard_header, DpopKey};
use latchgate_mock_fuzz::harness::{harness, request, Harness};
use latchgate_mock_fuzz::json::{apply, Edit};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

#[derive(Arbitrary, Debug)]
enum Endpoint {
    Lease(Vec<Edit>),
    Execute,
    Poll,
    Receipt,
    Operator,
}

#[derive(Arbitrary, Debug)]
enum Signer {
    Agent,
    Other,
    Operator,
    Garbage(Vec<u8>),
    Cut(u8),
    Empty,
}

#[derive(Arbitrary, Debug)]
enum Proof {
    Absent,
    Edited {
        header: Vec<Edit>,
        claims: Vec<Edit>,
        signer: Signer,
    },
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Lease {
    Valid,
    Resigned(Vec<Edit>),
    Tampered(Vec<Edit>),
    Raw(String),
    Scheme(String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    endpoint: Endpoint,
    proof: Proof,
    second_proof: Option<String>,
    lease: Lease,
}

fn route(e: &Endpoint) -> (&'static str, &'static str, bool) {
    match e {
        Endpoint::Lease(_) => ("POST", "/v1/leases", false),
        Endpoint::Execute => ("POST", "/v1/actions/fs_read/execute", false),
        Endpoint::Poll => ("GET", "/v1/approvals/a/poll", false),
        Endpoint::Receipt => ("GET", "/v1/receipts/r", false),
        Endpoint::Operator => ("GET", "/v1/approvals", true),
    }
}

fn sign(h: &Harness, header: &Value, claims: &Value, signer: &Signer) -> String {
    let with = |k: &DpopKey| sign_compact(k, header, claims);
    match signer {
        Signer::Agent => with(&h.agent_key),
        Signer::Other => with(&h.other_key),
        Signer::Operator => with(&h.operator_key),
        Signer::Garbage(sig) => format!(
            "{}.{}.{}",
            b64::encode(header.to_string().as_bytes()),
            b64::encode(claims.to_string().as_bytes()),
            b64::encode(sig)
        ),
        Signer::Cut(n) => {
            let full = with(&h.agent_key);
            full[..full.len().saturating_sub(*n as usize)].to_string()
        }
        Signer::Empty => format!(
            "{}.{}.",
            b64::encode(header.to_string().as_bytes()),
            b64::encode(claims.to_string().as_bytes())
        ),
    }
}

fn tamper(token: &str, edits: &[Edit]) -> String {
    let Ok((_, claims)) = decode_unverified(token) else {
        return token.to_string();
    };
    let mut parts = token.split('.');
    let (head, _, sig) = (parts.next(), parts.next(), parts.nth(0));
    let claims = apply(claims, edits);
    format!(
        "{}.{}.{}",
        head.unwrap_or_default(),
        b64::encode(claims.to_string().as_bytes()),
        sig.unwrap_or_default()
    )
}

async fn authorization(h: &Harness, lease: &Lease) -> String {
    let token = h.lease().await;
    match lease {
        Lease::Valid => format!("DPoP {token}"),
        Lease::Resigned(edits) => {
            let claims = decode_unverified(&token)
                .map(|(_, c)| c)
                .unwrap_or_default();
            let claims = apply(claims, edits);
            let t = h
                .gate
                .sign_lease(&claims)
                .unwrap_or_else(|| tamper(&token, edits));
            format!("DPoP {t}")
        }
        Lease::Tampered(edits) => format!("DPoP {}", tamper(&token, edits)),
        Lease::Raw(t) => format!("DPoP {t}"),
        Lease::Scheme(s) => format!("{s} {token}"),
    }
}

fuzz_target!(|input: Input| {
    let h = harness();
    h.run(async {
        let (method, path, admin) = route(&input.endpoint);
        let mut headers = Vec::new();
        let mut token = None;
        match &input.endpoint {
            Endpoint::Lease(_) => {}
            Endpoint::Operator => headers.push((
                "authorization".to_string(),
                format!("DPoP {}", h.gate.operator().api_key).into_bytes(),
            )),
            _ => {
                let a = authorization(h, &input.lease).await;
                token = a.strip_prefix("DPoP ").map(str::to_string);
                headers.push(("authorization".to_string(), a.into_bytes()));
            }
        }
        let proof = match &input.proof {
            Proof::Absent => None,
            Proof::Raw(s) => Some(s.clone()),
            Proof::Edited {
                header,
                claims,
                signer,
            } => {
                let key = match (&input.endpoint, signer) {
                    (Endpoint::Operator, _) | (_, Signer::Operator) => &h.operator_key,
                    _ => &h.agent_key,
                };
                let hd = apply(standard_header(key), header);
                let cl = apply(h.proof_claims(method, path, token.as_deref()), claims);
                Some(sign(h, &hd, &cl, signer))
            }
        };
        if let Some(p) = proof {
            headers.push(("dpop".to_string(), p.into_bytes()));
        }
        if let Some(p) = &input.second_proof {
            headers.push(("dpop".to_string(), p.clone().into_bytes()));
        }
        let body = match &input.endpoint {
            Endpoint::Lease(edits) => apply(h.lease_body(), edits).to_string().into_bytes(),
            Endpoint::Execute => br#"{"operation":"read","path":"README.md"}"#.to_vec(),
            _ => Vec::new(),
        };
        if let Some(req) = request(method, path, &headers, body) {
            h.gate.send(admin, req).await;
        }
    });
});
