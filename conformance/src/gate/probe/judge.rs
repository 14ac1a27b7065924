//! The `expect` line of a probe: `<status> [code | empty | text | json] [~reason] [!deny_reason]`.

use crate::check::{Check, Failure};
use crate::http::{cut, RawResponse};
use serde_json::Value;

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
        None => return crate::gate::expect_status(resp, status, &format!("expected {status}")),
        Some("empty") => return crate::gate::expect_empty(resp, status),
        Some("text") => return crate::gate::expect_text(resp, status),
        Some("json") => {
            crate::gate::expect_status(resp, status, &format!("expected {status}"))?;
            return match resp.json() {
                Some(v) if v.is_object() => Ok(()),
                _ => Err(Failure::mismatch(
                    "body is not a JSON object",
                    "a JSON object",
                    cut(&resp.text(), 200),
                )),
            };
        }
        Some(code) => crate::gate::expect_error(resp, status, code)?,
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
    fn judge_checks_code_and_reason_substring() {
        let resp = RawResponse::json_for_test(
            401,
            r#"{"error":"invalid_dpop","deny_reason":"iat too old: 1"}"#,
        );
        assert!(judge(&resp, "401 invalid_dpop ~iat too old").is_ok());
        assert!(judge(&resp, "401 invalid_dpop ~htu").is_err());
        assert!(judge(&resp, "401 invalid_dpop !deny_reason").is_err());
        assert!(judge(&resp, "404 action_not_found").is_err());
    }
}
