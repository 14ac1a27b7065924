//! The probe language: one crafted request to one endpoint, broken by the scenario's `mutation`
//! lines, judged by its `expect` line. See conformance/README.md ("Probe language").

mod draft;
mod judge;
mod mutation;

pub use judge::judge;

use super::craft::{Proof, SigMode};
use super::{GateCtx, Lease, Listener};
use crate::check::{Check, Failure};
use crate::http::RawRequest;
use draft::draft;
use futures::future::BoxFuture;
use latchgate::crypto::dpop::DpopKey;
use mutation::apply;
use serde_json::{json, Value};

/// An id that no gate has, so an authenticated request ends in a lookup miss.
const MISSING_ID: &str = "01900000-0000-7000-8000-00000000c0fe";
const MISSING_ACTION: &str = "lgc_no_such_action";

struct Draft {
    listener: Listener,
    method: String,
    path: String,
    query: String,
    token: String,
    key: DpopKey,
    foreign: DpopKey,
    proof: Proof,
    authorization: Option<String>,
    dpop: DpopHeader,
    body: Option<Value>,
    raw_body: Option<Vec<u8>>,
    content_type: bool,
    host: Option<String>,
    warm: bool,
    ath_set: bool,
    lease: Option<Lease>,
}

enum DpopHeader {
    Proof,
    Absent,
    Duplicate,
    Literal(String),
}

/// Runs a probe scenario.
pub fn run(ctx: &mut GateCtx) -> BoxFuture<'_, Check> {
    Box::pin(async move {
        let probe = ctx.scenario.probe.clone().unwrap_or_default();
        let mut d = draft(ctx, &probe).await?;
        for line in ctx.scenario.mutation.clone() {
            apply(ctx, &mut d, &line)?;
        }
        if d.warm {
            let mut warm = d.proof.clone();
            warm.header = latchgate::crypto::dpop::standard_header(&d.key);
            warm.claims = ctx.proof_for(&d.key, &d.method, &d.path, &d.token).claims;
            warm.sig = SigMode::Normal;
            let req = request(&d, &warm);
            let resp = ctx.send(d.listener, req).await?;
            if resp.status == 401 {
                return Err(Failure::fail(
                    "the warm-up request (a correct proof) was refused",
                ));
            }
        }
        let req = request(&d, &d.proof);
        let resp = ctx.send(d.listener, req).await?;
        judge(&resp, ctx.scenario.expect.as_deref().unwrap_or(""))
    })
}

fn request(d: &Draft, proof: &Proof) -> RawRequest {
    let mut req = RawRequest::new(&d.method, &format!("{}{}", d.path, d.query));
    if let Some(h) = &d.host {
        req = req.header("host", h);
    }
    if let Some(a) = &d.authorization {
        req = req.header("authorization", a);
    }
    let signer = if proof.sig == SigMode::Normal
        && proof.header.get("jwk")
            == Some(&serde_json::to_value(d.foreign.public_jwk()).unwrap_or_default())
    {
        &d.foreign
    } else {
        &d.key
    };
    match &d.dpop {
        DpopHeader::Proof => req = req.header("dpop", &proof.compact(signer, &d.foreign)),
        DpopHeader::Absent => {}
        DpopHeader::Literal(l) => req = req.header("dpop", l),
        DpopHeader::Duplicate => {
            let mut second = proof.clone();
            second.claims["jti"] = json!(latchgate::crypto::dpop::fresh_jti());
            req = req
                .header("dpop", &proof.compact(signer, &d.foreign))
                .header("dpop", &second.compact(signer, &d.foreign));
        }
    }
    if let Some(raw) = &d.raw_body {
        req.body = raw.clone();
    } else if let Some(b) = &d.body {
        req.body = serde_json::to_vec(b).unwrap_or_default();
    }
    if d.content_type {
        req = req.header("content-type", "application/json");
    }
    req
}
