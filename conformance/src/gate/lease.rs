//! `lease.*` written as code (the single-request lease probes are catalogue data): issuance,
//! one session per lease, the published lease JWKS, expiry.

use super::replay::{accepted, EXEC_PATH};
use super::{expect_status, Listener};
use crate::check::{ensure, ensure_eq, members, Check, Failure};
use latchgate::crypto::b64;
use serde_json::{json, Value};

fn jwt_part(jwt: &str, i: usize) -> Check<Value> {
    let seg = jwt
        .split('.')
        .nth(i)
        .ok_or_else(|| Failure::fail("lease_jwt is not a compact JWT"))?;
    let bytes = b64::decode(seg).map_err(|e| {
        Failure::fail(format!(
            "lease_jwt segment {i} is not base64url: {}",
            e.reason()
        ))
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Failure::fail(format!("lease_jwt segment {i} is not JSON: {e}")))
}

scenario_fn!(lease_issue_ok, |ctx| {
    let lease = ctx.lease().await?;
    let b = &lease.body;
    let keys = members(b);
    for k in ["lease_jwt", "session_id", "lease_jti", "expires_at"] {
        ensure(b[k].as_str().is_some_and(|s| !s.is_empty()), || {
            format!("lease body member {k} missing or empty ({keys:?})")
        })?;
    }
    let exp = b["expires_at"].as_str().unwrap_or_default();
    ensure(
        exp.len() == 20 && exp.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(exp).is_ok(),
        || format!("expires_at '{exp}' is not YYYY-MM-DDTHH:MM:SSZ"),
    )?;
    let header = jwt_part(&lease.jwt, 0)?;
    ensure_eq("lease JWT alg", json!("ES256"), header["alg"].clone())?;
    ensure(header["kid"].is_string(), || {
        "lease JWT header has no kid".into()
    })?;
    let claims = jwt_part(&lease.jwt, 1)?;
    ensure_eq(
        "cnf.jkt is the thumbprint of dpop_jwk",
        json!(lease.key.thumbprint()),
        claims["cnf"]["jkt"].clone(),
    )?;
    ensure_eq(
        "aud is the string latchgate",
        json!("latchgate"),
        claims["aud"].clone(),
    )?;
    ensure(claims["scope"].is_array(), || {
        format!("scope claim must be an array, got {}", claims["scope"])
    })?;
    for (claim, member) in [("jti", "lease_jti"), ("session_id", "session_id")] {
        let what = format!("{claim} claim equals {member}");
        ensure_eq(&what, b[member].clone(), claims[claim].clone())?;
    }
    Ok(())
});

scenario_fn!(lease_session_per_lease, |ctx| {
    let a = ctx.lease().await?;
    let b = ctx.lease().await?;
    ensure(a.session_id() != b.session_id(), || {
        format!("two leases share session_id {}", a.session_id())
    })?;
    ensure(a.body["lease_jti"] != b.body["lease_jti"], || {
        "two leases share lease_jti".into()
    })
});

scenario_fn!(lease_jwks_published, |ctx| {
    let lease = ctx.lease().await?;
    let resp = ctx.get(Listener::Client, "/.well-known/jwks.json").await?;
    expect_status(&resp, 200, "jwks")?;
    let jwks = resp.json().unwrap_or_default();
    let keys = jwks["keys"].as_array().cloned().unwrap_or_default();
    ensure_eq("number of JWKS keys", 1, keys.len())?;
    let k = &keys[0];
    ensure_eq(
        "JWKS key kid equals the lease kid",
        jwt_part(&lease.jwt, 0)?["kid"].clone(),
        k["kid"].clone(),
    )?;
    let jwk = latchgate::crypto::jwk::EcPublicJwk {
        kty: k["kty"].as_str().unwrap_or_default().into(),
        crv: k["crv"].as_str().unwrap_or_default().into(),
        x: k["x"].as_str().unwrap_or_default().into(),
        y: k["y"].as_str().unwrap_or_default().into(),
    };
    let vk = jwk
        .to_verifying_key()
        .map_err(|e| Failure::fail(format!("JWKS key is not a P-256 key: {e}")))?;
    let parts: Vec<&str> = lease.jwt.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err(Failure::fail(format!(
            "lease_jwt has {} segments, not 3",
            parts.len()
        )));
    };
    ensure(
        latchgate::crypto::dpop::verify_segments(&vk, header, payload, signature),
        || "the lease JWT signature does not verify with the published key".into(),
    )
});

scenario_fn!(lease_expired, |ctx| {
    let clock = ctx.clock()?;
    let lease = ctx.lease().await?;
    clock.advance(301);
    let mut proof = ctx.proof_for(&lease.key, "POST", EXEC_PATH, &lease.jwt);
    proof.claims["htm"] = json!("GET");
    let req = ctx.with_proof(&lease, "POST", EXEC_PATH, &proof);
    ctx.refused(req, 401, "lease_expired").await
});

scenario_fn!(lease_zero_leeway, |ctx| {
    let clock = ctx.clock()?;
    let lease = ctx.lease().await?;
    let exp = lease.body["expires_at"]
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
    let exp = exp
        .ok_or_else(|| Failure::fail("lease expires_at does not parse"))?
        .timestamp();
    let ahead = (exp - 1 - clock.now()).max(0) as u64;
    clock.advance(ahead);
    let (req, _) = ctx.agent_request(&lease, "POST", EXEC_PATH);
    accepted(
        &ctx.send(Listener::Client, req).await?,
        "the lease one second before exp",
    )?;
    clock.advance(2);
    let (req, _) = ctx.agent_request(&lease, "POST", EXEC_PATH);
    ctx.refused(req, 401, "lease_expired").await
});
