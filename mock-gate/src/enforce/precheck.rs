//! What the policy is told is unresolved before it decides: the target host when neither the
//! manifest's allowlist nor a learned domain covers it, the fs path when no allowed, learned or
//! denied glob matches it.

use serde_json::Value;

use crate::actions::manifest::{CompiledAction, EgressProfile};
use crate::state::GateState;

/// Host of the templated target URL when it is neither allowlisted nor learned.
pub fn domain_precheck(state: &GateState, action: &CompiledAction, params: &Value) -> Vec<String> {
    let Ok(EgressProfile::ProxyAllowlist { allowed_domains }) = action.spec.egress_profile() else {
        return Vec::new();
    };
    let url = match &action.spec.template {
        Some(t) => crate::actions::providers::resolve_template(t, params).url,
        None => match params
            .get("url")
            .or_else(|| params.get("target"))
            .and_then(Value::as_str)
        {
            Some(u) => u.to_string(),
            None => return Vec::new(),
        },
    };
    let Some(host) = parse_host(&url) else {
        return Vec::new();
    };
    if domain_in(&host, &allowed_domains)
        || domain_in(
            &host,
            &state.learned.domains.learned(&action.spec.action_id).values,
        )
    {
        Vec::new()
    } else {
        vec![host]
    }
}

/// The gate's host extraction: URL host, else email domain, else a bare dotted name.
pub fn parse_host(target: &str) -> Option<String> {
    if let Ok(u) = url::Url::parse(target) {
        if let Some(h) = u.host_str() {
            return Some(h.to_ascii_lowercase());
        }
    }
    if let Some(at) = target.rfind('@') {
        let d = &target[at + 1..];
        let d = d.split(':').next().unwrap_or(d);
        if !d.is_empty() {
            return Some(d.to_ascii_lowercase());
        }
    }
    let bare = target.split(':').next().unwrap_or(target);
    (!bare.is_empty() && bare.contains('.') && !bare.contains('@') && !bare.contains('/'))
        .then(|| bare.to_ascii_lowercase())
}

/// Exact (case-insensitive) or `*.suffix` (at least one label before the suffix).
pub fn domain_in(host: &str, list: &[String]) -> bool {
    let host = host.to_ascii_lowercase();
    list.iter().any(|entry| {
        let e = entry.to_ascii_lowercase();
        match e.strip_prefix("*.") {
            Some(suffix) => host.len() > suffix.len() + 1 && host.ends_with(&format!(".{suffix}")),
            None => host == e,
        }
    })
}

/// fs actions: the body `path`, and it again when it matches no allowed/learned/denied glob.
pub fn path_precheck(
    state: &GateState,
    action: &CompiledAction,
    params: &Value,
) -> (Option<String>, Vec<String>) {
    if action.spec.fs.is_none() {
        return (None, Vec::new());
    }
    let Some(path) = params.get("path").and_then(Value::as_str) else {
        return (None, Vec::new());
    };
    let denied = action
        .denied_globs
        .as_ref()
        .is_some_and(|g| g.is_match(path));
    let learned = state.learned.paths.learned(&action.spec.action_id);
    let allowed = action
        .allowed_globs
        .as_ref()
        .is_some_and(|g| g.is_match(path))
        || learned.globs.as_ref().is_some_and(|g| g.is_match(path));
    let unresolved = if denied || allowed {
        Vec::new()
    } else {
        vec![path.to_string()]
    };
    (Some(path.to_string()), unresolved)
}
