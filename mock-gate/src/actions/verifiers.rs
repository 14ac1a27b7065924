//! Verifiers: `http_status`, `fs_hash`, `none`, and the response envelope checks.

use crate::crypto::prefixed_sha256;
use serde_json::{json, Value};

use crate::actions::manifest::{CompiledAction, VerifierKind};
use crate::actions::providers::{Observed, ProviderOutput};

/// A verification outcome: the string tag and the receipt's tagged object.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// `verified`, `verification_failed`, `unverifiable_declared`, `provider_failed_before_verification`.
    pub tag: &'static str,
    /// `{"status":tag, …}` for the receipt.
    pub tagged: Value,
}

impl Outcome {
    fn failed(reason: impl Into<String>) -> Self {
        Self {
            tag: "verification_failed",
            tagged: json!({"status": "verification_failed", "reason": reason.into()}),
        }
    }

    fn verified(evidence: Value) -> Self {
        Self {
            tag: "verified",
            tagged: json!({"status": "verified", "evidence": evidence}),
        }
    }

    /// Whether the verifier rejected the effect.
    pub fn is_failed(&self) -> bool {
        self.tag == "verification_failed"
    }
}

/// Runs the manifest's verifier over a provider result.
pub fn verify_output(action: &CompiledAction, out: &ProviderOutput) -> Outcome {
    if out.exit_code != 0 {
        return Outcome {
            tag: "provider_failed_before_verification",
            tagged: json!({"status": "provider_failed_before_verification"}),
        };
    }
    match action.spec.verifier_kind {
        VerifierKind::None => Outcome {
            tag: "unverifiable_declared",
            tagged: json!({"status": "unverifiable_declared"}),
        },
        VerifierKind::HttpStatus => http_status(action, out),
        VerifierKind::FsHash => fs_hash(out),
    }
}

fn http_status(action: &CompiledAction, out: &ProviderOutput) -> Outcome {
    let o = &out.output;
    let status = o
        .get("status")
        .or_else(|| o.get("status_code"))
        .or_else(|| o.get("data").and_then(|d| d.get("status_code")))
        .and_then(Value::as_u64)
        .map(|v| v as u16);
    let Some(status) = status else {
        return Outcome::failed("provider output missing HTTP status code");
    };
    let cfg = action.spec.verification_config.as_ref();
    let expected: Vec<u64> = cfg
        .and_then(|c| c.get("expected_status"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    let ok = if expected.is_empty() {
        (200..300).contains(&status)
    } else {
        expected.contains(&(status as u64))
    };
    if !ok {
        return Outcome::failed(format!("HTTP status {status} is not in the accepted set"));
    }
    if let Some(fields) = cfg
        .and_then(|c| c.get("required_fields"))
        .and_then(Value::as_array)
    {
        let body = o.get("body").unwrap_or(o);
        for f in fields.iter().filter_map(Value::as_str) {
            if body.get(f).is_none() {
                return Outcome::failed(format!("required field '{f}' missing from response body"));
            }
        }
    }
    let host = out.observed.iter().find_map(|e| match e {
        Observed::HttpStatus(s) => Some(*s),
        Observed::Fs { .. } => None,
    });
    let corroborated = match host {
        Some(h) if h == status => true,
        Some(h) => {
            return Outcome::failed(format!(
                "provider reported HTTP {status} but host observed HTTP {h}"
            ))
        }
        None => false,
    };
    Outcome::verified(json!({"http_status": status, "host_corroborated": corroborated}))
}

fn fs_hash(out: &ProviderOutput) -> Outcome {
    let Some(Observed::Fs {
        operation,
        path,
        before_hash,
        after_hash,
        bytes_before,
        bytes_after,
    }) = out
        .observed
        .iter()
        .find(|e| matches!(e, Observed::Fs { .. }))
    else {
        return Outcome::failed("no host-observed filesystem evidence");
    };
    let problem = match *operation {
        "read" if after_hash.is_none() => Some("read operation missing after_hash"),
        "create" if before_hash.is_some() => Some("create operation must not have before_hash"),
        "create" if after_hash.is_none() => Some("create operation missing after_hash"),
        "overwrite" if before_hash.is_none() => Some("overwrite operation missing before_hash"),
        "overwrite" if after_hash.is_none() => Some("overwrite operation missing after_hash"),
        _ => None,
    };
    if let Some(p) = problem {
        return Outcome::failed(p);
    }
    Outcome::verified(json!({
        "operation": operation,
        "path": path,
        "before_hash": before_hash.map(prefixed_sha256),
        "after_hash": after_hash.map(prefixed_sha256),
        "bytes_before": bytes_before,
        "bytes_after": bytes_after,
        "host_corroborated": true,
    }))
}

/// Compact JSON size, depth (containers count 1) and largest array of a value.
pub fn shape(v: &Value) -> (usize, u32, usize) {
    fn depth(v: &Value) -> u32 {
        match v {
            Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
    fn widest(v: &Value) -> usize {
        match v {
            Value::Array(a) => a.iter().map(widest).max().unwrap_or(0).max(a.len()),
            Value::Object(m) => m.values().map(widest).max().unwrap_or(0),
            _ => 0,
        }
    }
    let size = serde_json::to_vec(v).map(|b| b.len()).unwrap_or(usize::MAX);
    (size, depth(v), widest(v))
}

/// The gate's limits (size, depth ≤ 10, arrays ≤ 100), as an error text.
pub fn check_limits(v: &Value, max_bytes: usize) -> Result<(), String> {
    let (size, depth, items) = shape(v);
    if size > max_bytes {
        return Err(format!(
            "request exceeds size limit ({size} > {max_bytes} bytes)"
        ));
    }
    if depth > 10 {
        return Err(format!(
            "request exceeds nesting depth limit ({depth} > 10)"
        ));
    }
    if items > 100 {
        return Err(format!(
            "request exceeds array size limit ({items} items > 100)"
        ));
    }
    Ok(())
}

/// Response checks: limits, object with boolean `ok`, response schema.
pub fn check_response(action: &CompiledAction, output: &Value) -> Result<(), String> {
    check_limits(output, action.spec.io.max_response_bytes)?;
    let obj = output
        .as_object()
        .ok_or_else(|| "response must be a JSON object".to_string())?;
    match obj.get("ok") {
        Some(Value::Bool(_)) => {}
        Some(_) => return Err("response 'ok' field must be a boolean".into()),
        None => return Err("response must contain an 'ok' field".into()),
    }
    if let Some(v) = &action.response_validator {
        if let Some(e) = v.iter_errors(output).next() {
            return Err(format!("response schema violation: {e}"));
        }
    }
    Ok(())
}
