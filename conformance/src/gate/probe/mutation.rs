//! The mutation lines of the probe language (`header.K = V`, `signature = flipped`, `dpop delete`,
//! …) and the values they take (`now±N`, JSON, strings with `{placeholders}`).

use super::{DpopHeader, Draft, MISSING_ACTION};
use crate::check::{Check, Failure};
use crate::gate::craft::{self, set_path, SigMode};
use crate::gate::GateCtx;
use serde_json::{json, Value};

/// Applies one `mutation` line of the catalogue to the draft.
pub(super) fn apply(ctx: &GateCtx, d: &mut Draft, line: &str) -> Check {
    let bad = || {
        Failure::fail(format!(
            "catalogue mutation '{line}' is not in the probe language"
        ))
    };
    let (target, rest) = line.split_once(' ').ok_or_else(bad)?;
    let rest = rest.trim();
    if rest == "delete" {
        return delete(d, target).ok_or_else(bad);
    }
    let raw = rest.strip_prefix('=').ok_or_else(bad)?.trim();
    match switch(d, target, raw) {
        Some(done) => done.map_err(|()| bad()),
        None => {
            let value = value(ctx, d, raw)?;
            set(d, target, value).ok_or_else(bad)
        }
    }
}

/// `TARGET delete`; `None` for a target that cannot be deleted.
fn delete(d: &mut Draft, target: &str) -> Option<()> {
    match target {
        "authorization" => d.authorization = None,
        "dpop" => d.dpop = DpopHeader::Absent,
        "content-type" => d.content_type = false,
        t if t.starts_with("header.") => set_path(&mut d.proof.header, &t[7..], None),
        t if t.starts_with("claims.") => set_path(&mut d.proof.claims, &t[7..], None),
        t if t.starts_with("body.") => set_path(d.body.get_or_insert(json!({})), &t[5..], None),
        _ => return None,
    }
    Some(())
}

/// The mutations that switch a mode rather than set a value; `None` when `target = raw` is not
/// one of them, `Some(Err)` for a malformed one.
fn switch(d: &mut Draft, target: &str, raw: &str) -> Option<Result<(), ()>> {
    match target {
        "signature" => {
            d.proof.sig = match raw {
                "empty" => SigMode::Empty,
                "flipped" => SigMode::Flipped,
                "foreign" => SigMode::Foreign,
                "der" => SigMode::Der,
                "hs256" => SigMode::Hs256,
                _ => return Some(Err(())),
            }
        }
        "key" if raw == "foreign" => match serde_json::to_value(d.foreign.public_jwk()) {
            Ok(jwk) => d.proof.header["jwk"] = jwk,
            Err(_) => return Some(Err(())),
        },
        "payload" if raw == "tampered" => d.proof.tamper_payload = true,
        "proof" if raw == "two-segments" => d.proof.two_segments = true,
        "dpop" if raw == "duplicate" => d.dpop = DpopHeader::Duplicate,
        "warm" => d.warm = true,
        _ => return None,
    }
    Some(Ok(()))
}

/// `TARGET = VALUE`; `None` for a target that takes no value or a value of the wrong type.
fn set(d: &mut Draft, target: &str, value: Value) -> Option<()> {
    match target {
        "authorization" => {
            let s = value.as_str()?.to_string();
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
        "dpop" => d.dpop = DpopHeader::Literal(value.as_str()?.to_string()),
        "proof" => d.proof.literal = Some(value.as_str()?.to_string()),
        "query" => d.query = value.as_str()?.to_string(),
        "host" => d.host = Some(value.as_str()?.to_string()),
        "raw-body" => d.raw_body = Some(value.as_str()?.as_bytes().to_vec()),
        "body" => d.body = Some(value),
        t if t.starts_with("header.") => set_path(&mut d.proof.header, &t[7..], Some(value)),
        t if t.starts_with("claims.") => {
            d.ath_set |= t == "claims.ath";
            set_path(&mut d.proof.claims, &t[7..], Some(value))
        }
        t if t.starts_with("body.") => {
            set_path(d.body.get_or_insert(json!({})), &t[5..], Some(value))
        }
        _ => return None,
    }
    Some(())
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
}
