//! The probe language: one crafted request to one endpoint, broken by the scenario's `mutation`
//! lines, judged by its `expect` line. See conformance/README.md ("Probe language").

use super::craft::{self, set_path, Proof, SigMode};
use super::{GateCtx, Lease, Listener};
use crate::check::{Check, Failure};
use crate::http::{self, RawRequest, RawResponse};
use futures::future::BoxFuture;
use latchgate::crypto::dpop::DpopKey;
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

async fn draft(ctx: &mut GateCtx, probe: &str) -> Check<Draft> {
    let (listener, method, path, body): (Listener, &str, String, Option<Value>) = match probe {
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
    };
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

fn apply(ctx: &GateCtx, d: &mut Draft, line: &str) -> Check {
    let bad = || {
        Failure::fail(format!(
            "catalogue mutation '{line}' is not in the probe language"
        ))
    };
    let (target, rest) = line.split_once(' ').ok_or_else(bad)?;
    let rest = rest.trim();
    if rest == "delete" {
        match target {
            "authorization" => d.authorization = None,
            "dpop" => d.dpop = DpopHeader::Absent,
            "content-type" => d.content_type = false,
            t if t.starts_with("header.") => set_path(&mut d.proof.header, &t[7..], None),
            t if t.starts_with("claims.") => set_path(&mut d.proof.claims, &t[7..], None),
            t if t.starts_with("body.") => set_path(d.body.get_or_insert(json!({})), &t[5..], None),
            _ => return Err(bad()),
        }
        return Ok(());
    }
    let raw = rest.strip_prefix('=').ok_or_else(bad)?.trim();
    match target {
        "signature" => {
            d.proof.sig = match raw {
                "empty" => SigMode::Empty,
                "flipped" => SigMode::Flipped,
                "foreign" => SigMode::Foreign,
                "der" => SigMode::Der,
                "hs256" => SigMode::Hs256,
                _ => return Err(bad()),
            };
            return Ok(());
        }
        "key" if raw == "foreign" => {
            d.proof.header["jwk"] =
                serde_json::to_value(d.foreign.public_jwk()).map_err(|_| bad())?;
            return Ok(());
        }
        "payload" if raw == "tampered" => {
            d.proof.tamper_payload = true;
            return Ok(());
        }
        "proof" if raw == "two-segments" => {
            d.proof.two_segments = true;
            return Ok(());
        }
        "dpop" if raw == "duplicate" => {
            d.dpop = DpopHeader::Duplicate;
            return Ok(());
        }
        "warm" => {
            d.warm = true;
            return Ok(());
        }
        _ => {}
    }
    let value = value(ctx, d, raw)?;
    match target {
        "authorization" => {
            let s = value.as_str().ok_or_else(bad)?.to_string();
            if !d.ath_set {
                if let Some((_, tok)) = s
                    .split_once(' ')
                    .filter(|(_, t)| !t.is_empty() && *t != d.token)
                {
                    d.proof.claims["ath"] = json!(latchgate::crypto::ath(tok));
                }
            }
            d.authorization = Some(s);
        }
        "dpop" => d.dpop = DpopHeader::Literal(value.as_str().ok_or_else(bad)?.to_string()),
        "proof" => d.proof.literal = Some(value.as_str().ok_or_else(bad)?.to_string()),
        "query" => d.query = value.as_str().ok_or_else(bad)?.to_string(),
        "host" => d.host = Some(value.as_str().ok_or_else(bad)?.to_string()),
        "raw-body" => d.raw_body = Some(value.as_str().ok_or_else(bad)?.as_bytes().to_vec()),
        "body" => d.body = Some(value),
        t if t.starts_with("header.") => set_path(&mut d.proof.header, &t[7..], Some(value)),
        t if t.starts_with("claims.") => {
            d.ath_set |= t == "claims.ath";
            set_path(&mut d.proof.claims, &t[7..], Some(value))
        }
        t if t.starts_with("body.") => {
            set_path(d.body.get_or_insert(json!({})), &t[5..], Some(value))
        }
        _ => return Err(bad()),
    }
    Ok(())
}

/// A mutation value: `now±N` (integer or, with a fraction, a float), a JSON literal, or a string
/// with `{placeholders}`.
fn value(ctx: &GateCtx, d: &Draft, raw: &str) -> Check<Value> {
    if let Some(off) = raw.strip_prefix("now") {
        let off: f64 = if off.is_empty() {
            0.0
        } else {
            off.parse()
                .map_err(|_| Failure::fail(format!("bad time offset '{raw}'")))?
        };
        let t = ctx.env.now() as f64 + off;
        return Ok(if off.fract() == 0.0 {
            json!(t as i64)
        } else {
            json!(t)
        });
    }
    let v: Value = serde_json::from_str(raw)
        .map_err(|e| Failure::fail(format!("catalogue value '{raw}': {e}")))?;
    match v {
        Value::String(s) => Ok(Value::String(expand(ctx, d, &s)?)),
        other => Ok(other),
    }
}

fn expand(ctx: &GateCtx, d: &Draft, s: &str) -> Check<String> {
    let base = ctx.env.public_base.clone();
    let htu = format!("{base}{}", d.path);
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let Some(end) = rest[i..].find('}').map(|e| e + i) else {
            out.push_str(&rest[i..]);
            rest = "";
            break;
        };
        let name = &rest[i + 1..end];
        let ath = latchgate::crypto::ath(&d.token);
        out.push_str(&match name {
            "token" => d.token.clone(),
            "base" => base.clone(),
            "path" => d.path.clone(),
            "action" => MISSING_ACTION.into(),
            "htu" => htu.clone(),
            "now" => ctx.env.now().to_string(),
            "ath" => ath,
            "ath_hex" => latchgate::crypto::jcs::sha256_hex(d.token.as_bytes()),
            "ath_other" => latchgate::crypto::ath(&format!("{}x", d.token)),
            "private_d" => craft::private_d(&d.key),
            "forged_lease" => craft::forged_lease(&d.token),
            "admin_base" => match &ctx.env.admin {
                Some(crate::http::Endpoint::Tcp(u)) if *u != base => u.clone(),
                _ => return Err(Failure::skip("the admin address equals the public base or is a socket")),
            },
            "htu_upper_origin" => upper_origin(&htu),
            "htu_default_port" => default_port(&htu).ok_or_else(|| {
                Failure::skip(format!("the public base {base} has an explicit port, so a default port cannot be added"))
            })?,
            n if n.starts_with("ath_of:") => latchgate::crypto::ath(&n[7..]),
            other => return Err(Failure::fail(format!("unknown placeholder {{{other}}}"))),
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    let _ = d.lease.as_ref();
    Ok(out)
}

fn upper_origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let (auth, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    format!("{}://{}{path}", scheme.to_uppercase(), auth.to_uppercase())
}

fn default_port(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let (auth, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if auth
        .rsplit(':')
        .next()
        .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
        && auth.contains(':')
        && !auth.ends_with(']')
    {
        return None;
    }
    let port = if scheme == "https" { 443 } else { 80 };
    Some(format!("{scheme}://{auth}:{port}{path}"))
}

/// Judges a response against an `expect` line.
pub fn judge(resp: &RawResponse, expect: &str) -> Check {
    let (head, reason_part) = match expect.find('~') {
        Some(i) => (&expect[..i], Some(&expect[i + 1..])),
        None => (expect, None),
    };
    let (reason_sub, no_reason) = match reason_part {
        Some(r) => match r.find(" !") {
            Some(j) => (Some(r[..j].trim()), r[j..].contains("!deny_reason")),
            None => (Some(r.trim()), false),
        },
        None => (None, head.contains("!deny_reason")),
    };
    let mut words = head.split_whitespace().filter(|w| !w.starts_with('!'));
    let status: u16 = words
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Failure::fail(format!("bad expect '{expect}'")))?;
    let kind = words.next();
    let body = match kind {
        None => return super::expect_status(resp, status, &format!("expected {status}")),
        Some("empty") => return super::expect_empty(resp, status),
        Some("text") => return super::expect_text(resp, status),
        Some("json") => {
            super::expect_status(resp, status, &format!("expected {status}"))?;
            return match resp.json() {
                Some(v) if v.is_object() => Ok(()),
                _ => Err(Failure::mismatch(
                    "body is not a JSON object",
                    "a JSON object",
                    http::cut(&resp.text(), 200),
                )),
            };
        }
        Some(code) => super::expect_error(resp, status, code)?,
    };
    let deny = body
        .get("deny_reason")
        .or_else(|| body.get("message"))
        .and_then(Value::as_str);
    if no_reason && body.get("deny_reason").is_some() {
        return Err(Failure::mismatch(
            "this endpoint sends no deny_reason",
            "no deny_reason member",
            body["deny_reason"].to_string(),
        ));
    }
    if let Some(sub) = reason_sub {
        match deny {
            Some(r) if r.contains(sub) => {}
            other => {
                return Err(Failure::mismatch(
                    "deny_reason (or message)",
                    format!("a reason containing '{sub}'"),
                    other.unwrap_or("<none>"),
                ))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_port_is_added_only_without_an_explicit_port() {
        assert_eq!(
            default_port("http://gate.example/v1/x").as_deref(),
            Some("http://gate.example:80/v1/x")
        );
        assert_eq!(
            default_port("https://g/x").as_deref(),
            Some("https://g:443/x")
        );
        assert_eq!(default_port("http://127.0.0.1:3000/x"), None);
    }

    #[test]
    fn upper_origin_keeps_the_path_case() {
        assert_eq!(
            upper_origin("http://gate.example/v1/a"),
            "HTTP://GATE.EXAMPLE/v1/a"
        );
    }

    #[test]
    fn judge_checks_code_and_reason_substring() {
        let resp = RawResponse {
            status: 401,
            headers: vec![("content-type".into(), "application/json".into())],
            body: br#"{"error":"invalid_dpop","deny_reason":"iat too old: 1"}"#.to_vec(),
        };
        assert!(judge(&resp, "401 invalid_dpop ~iat too old").is_ok());
        assert!(judge(&resp, "401 invalid_dpop ~htu").is_err());
        assert!(judge(&resp, "401 invalid_dpop !deny_reason").is_err());
        assert!(judge(&resp, "404 action_not_found").is_err());
    }
}
