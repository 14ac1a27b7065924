//! The correct request of each probe (`execute`, `receipt`, `poll`, `approve`, `admin-status`,
//! `receipt-keys`, `approval-detail`, `lease`), before the scenario's mutations.

use super::{DpopHeader, Draft, MISSING_ACTION, MISSING_ID};
use crate::check::{Check, Failure};
use crate::gate::craft::Proof;
use crate::gate::{GateCtx, Listener};
use latchgate::crypto::dpop::DpopKey;
use serde_json::{json, Value};

/// The endpoint a probe addresses: listener, method, path and default body.
type Endpoint = (Listener, &'static str, String, Option<Value>);

fn endpoint(probe: &str) -> Check<Endpoint> {
    Ok(match probe {
        "lease" => (Listener::Client, "POST", "/v1/leases".into(), None),
        "execute" => (
            Listener::Client,
            "POST",
            format!("/v1/actions/{MISSING_ACTION}/execute"),
            Some(json!({})),
        ),
        "receipt" => (
            Listener::Client,
            "GET",
            format!("/v1/receipts/{MISSING_ID}"),
            None,
        ),
        "poll" => (
            Listener::Client,
            "GET",
            format!("/v1/approvals/{MISSING_ID}/poll"),
            None,
        ),
        "approve" => (
            Listener::Admin,
            "POST",
            format!("/v1/approvals/{MISSING_ID}/approve"),
            None,
        ),
        "admin-status" => (Listener::Admin, "GET", "/v1/admin/status".into(), None),
        "receipt-keys" => (Listener::Admin, "GET", "/v1/receipt-keys".into(), None),
        "approval-detail" => (
            Listener::Admin,
            "GET",
            format!("/v1/approvals/{MISSING_ID}"),
            None,
        ),
        other => {
            return Err(Failure::fail(format!(
                "unknown probe '{other}' in the catalogue"
            )))
        }
    })
}

/// The correct request of a probe, before its mutations: a fresh lease (or the operator's
/// credentials on the admin listener) and a standard proof.
pub(super) async fn draft(ctx: &mut GateCtx, probe: &str) -> Check<Draft> {
    let (listener, method, path, body) = endpoint(probe)?;
    let foreign = DpopKey::generate();
    if probe == "lease" {
        let key = DpopKey::generate();
        let body = json!({"scopes": ["tools:call"], "dpop_jwk": key.public_jwk()});
        let proof = Proof::standard(&key, method, "", 0, "");
        return Ok(Draft {
            listener,
            method: method.into(),
            path,
            query: String::new(),
            token: String::new(),
            key,
            foreign,
            proof,
            authorization: None,
            dpop: DpopHeader::Absent,
            body: Some(body),
            raw_body: None,
            content_type: true,
            host: None,
            warm: false,
            ath_set: false,
            lease: None,
        });
    }
    let (token, key, lease) = if listener == Listener::Admin {
        let op = ctx
            .env
            .operator
            .clone()
            .ok_or_else(|| Failure::skip("needs operator credentials"))?;
        let key = DpopKey::from_pem(&op.key.to_pkcs8_pem())
            .map_err(|e| Failure::fail(format!("operator key: {e}")))?;
        (op.api_key.clone(), key, None)
    } else {
        let lease = ctx.lease().await?;
        let key = DpopKey::from_pem(&lease.key.to_pkcs8_pem())
            .map_err(|e| Failure::fail(format!("lease key: {e}")))?;
        (lease.jwt.clone(), key, Some(lease))
    };
    let proof = ctx.proof_for(&key, method, &path, &token);
    Ok(Draft {
        listener,
        method: method.into(),
        path,
        query: String::new(),
        authorization: Some(format!("DPoP {token}")),
        token,
        key,
        foreign,
        proof,
        dpop: DpopHeader::Proof,
        content_type: body.is_some(),
        body,
        raw_body: None,
        host: None,
        warm: false,
        ath_set: false,
        lease,
    })
}
