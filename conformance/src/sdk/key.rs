//! `sdk.key.*`: key handling — fresh keys, exact public JWK members, PEM import, secrets kept
//! out of debug output.

use super::dpop::decode;
use super::tap::respond_json;
use super::{exec, ACTION};
use crate::check::{ensure, ensure_eq, sorted_members, Check, Failure};
use serde_json::{json, Value};

fn dpop_jwk(e: &super::tap::Entry) -> Value {
    e.json()
        .map(|v| v["dpop_jwk"].clone())
        .unwrap_or(Value::Null)
}

sdk_fn!(key_fresh, |ctx| {
    let c = ctx.client(json!({})).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    exec(ctx, &c).await?;
    ctx.ok(json!({"cmd": "connect", "client": c})).await?;
    exec(ctx, &c).await?;
    let leases = ctx.leases();
    ensure_eq("lease requests", 2, leases.len())?;
    ensure(dpop_jwk(&leases[0]) != dpop_jwk(&leases[1]), || {
        "two lease requests carried the same dpop_jwk".into()
    })?;
    let execs = ctx.sent("/execute");
    ensure_eq("execute requests", 2, execs.len())?;
    for (i, (e, lease)) in execs.iter().zip(&leases).enumerate() {
        let (h, _) = decode(e)?;
        ensure_eq(
            &format!("proof jwk of call {} is its lease's dpop_jwk", i + 1),
            dpop_jwk(lease),
            h["jwk"].clone(),
        )?;
    }
    Ok(())
});

fn exact_jwk(what: &str, jwk: &Value) -> Check {
    ensure_eq(
        &format!("{what} members"),
        vec!["crv", "kty", "x", "y"],
        sorted_members(jwk),
    )?;
    ensure_eq(
        &format!("{what} kty/crv"),
        json!(["EC", "P-256"]),
        json!([jwk["kty"], jwk["crv"]]),
    )?;
    for c in ["x", "y"] {
        let len = jwk[c].as_str().map_or(0, str::len);
        ensure(len == 43, || {
            format!("{what}.{c} has {len} characters, not 43")
        })?;
    }
    Ok(())
}

sdk_fn!(key_members, |ctx| {
    let c = ctx.connected().await?;
    exec(ctx, &c).await?;
    let lease = ctx.first_lease()?;
    exact_jwk("dpop_jwk", &dpop_jwk(&lease))?;
    let e = ctx.first_sent("/execute", "no execute request")?;
    let (h, _) = decode(&e)?;
    exact_jwk("proof header jwk", &h["jwk"])
});

const RSA_PEM: &str = include_str!("../../catalogue/keys/rsa.pem");

const P384_PEM: &str = include_str!("../../catalogue/keys/p384.pem");

const ENCRYPTED_PEM: &str = include_str!("../../catalogue/keys/p256-encrypted.pem");

sdk_fn!(pem_import, |ctx| {
    use p256::pkcs8::{DecodePrivateKey, LineEnding};
    let key = latchgate::crypto::dpop::DpopKey::generate();
    let pkcs8 = key.to_pkcs8_pem();
    let sec1 = p256::SecretKey::from_pkcs8_pem(&pkcs8)
        .map_err(|e| Failure::fail(e.to_string()))?
        .to_sec1_pem(LineEnding::LF)
        .map_err(|e| Failure::fail(e.to_string()))?
        .to_string();
    for (label, pem) in [("PKCS#8", pkcs8.as_str()), ("SEC1", sec1.as_str())] {
        let r = ctx
            .ok(json!({"cmd": "import_key", "pem": pem}))
            .await
            .map_err(|f| f.with_excerpt(format!("{label} P-256 key")))?;
        ensure_eq(
            &format!("thumbprint of the {label} key"),
            json!(key.thumbprint()),
            r["thumbprint"].clone(),
        )?;
    }
    for (label, pem) in [
        ("RSA", RSA_PEM),
        ("P-384", P384_PEM),
        ("encrypted", ENCRYPTED_PEM),
        (
            "garbage",
            "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n",
        ),
    ] {
        ctx.err(json!({"cmd": "import_key", "pem": pem}), "InvalidInput")
            .await
            .map_err(|f| f.with_excerpt(format!("{label} key")))?;
    }
    Ok(())
});

sdk_fn!(secrets_not_shown, |ctx| {
    let c = ctx.connected().await?;
    exec(ctx, &c).await?;
    ctx.tap.once(
        "/execute",
        respond_json(
            401,
            json!({"error": "invalid_dpop", "deny_reason": "signature verification failed"}),
        ),
    );
    let err = ctx
        .err(
            json!({"cmd": "execute", "client": c, "action_id": ACTION, "params": super::params()}),
            "AuthError",
        )
        .await?;
    let text = ctx.ok(json!({"cmd": "debug", "client": c})).await?["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let lease = ctx.first_lease_jwt();
    let proof = ctx
        .sent("/execute")
        .first()
        .and_then(|e| e.header("dpop").map(str::to_string))
        .unwrap_or_default();
    let shown = format!("{text}\n{}", err.native.clone().unwrap_or_default());
    ensure(!lease.is_empty() && !shown.contains(&lease), || {
        "the lease JWT appears in the client's debug text or an error".into()
    })?;
    ensure(!proof.is_empty() && !shown.contains(&proof), || {
        "a DPoP proof appears in the client's debug text or an error".into()
    })?;
    ensure(
        !shown.contains("PRIVATE KEY") && !shown.contains("\"d\""),
        || "private key material appears in the client's debug text".into(),
    )
});
