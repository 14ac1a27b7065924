//! `sdk.egr.*`: an action's egress profile as the SDK exposes it.

use super::tap::{respond_json, Rule};
use crate::check::{ensure, ensure_eq};
use serde_json::{json, Value};

sdk_fn!(egr_profile, |ctx| {
    let c = ctx.connected().await?;
    let r = ctx
        .ok(json!({"cmd": "get_action", "client": c, "action_id": "http_fetch"}))
        .await?;
    ensure_eq(
        "egress kind of http_fetch",
        json!("proxy_allowlist"),
        r["egress"]["kind"].clone(),
    )?;
    ctx.err(
        json!({"cmd": "get_action", "client": c, "action_id": "lgc_no_such_action"}),
        "NotFound",
    )
    .await
    .map(|_| ())
});

sdk_fn!(egr_shapes, |ctx| {
    let c = ctx.connected().await?;
    let mut problems = Vec::new();
    let cases = [
        (json!("none"), "none", json!([])),
        (
            json!({"proxy_allowlist": {"allowed_domains": ["a.example", "b.example"]}}),
            "proxy_allowlist",
            json!(["a.example", "b.example"]),
        ),
        (Value::Null, "unknown", Value::Null),
        (
            json!({"profile": "proxy_allowlist", "allowed_domains": []}),
            "unknown",
            Value::Null,
        ),
    ];
    for (egress, kind, domains) in cases {
        let body = json!({"action_id": "x", "version": "1", "provider_module_digest": "builtin:fs", "risk_level": "low",
            "resource_limits": {"fuel": 1000000, "memory_mb": 64, "timeout_seconds": 30, "max_io_calls": 10, "max_host_response_bytes": 10485760},
            "io": {"max_request_bytes": 65536, "max_response_bytes": 1048576, "has_request_schema": false, "has_response_schema": false},
            "egress": egress, "declared_side_effects": []});
        ctx.tap.rule(
            Rule::on("/v1/actions/", respond_json(200, body))
                .method("GET")
                .times(1),
        );
        let got = ctx
            .ok(json!({"cmd": "get_action", "client": c, "action_id": "x"}))
            .await?;
        if got["egress"]["kind"] != json!(kind)
            || (!domains.is_null() && got["egress"]["domains"] != domains)
        {
            problems.push(format!(
                "egress {egress}: expected {kind} {domains}, got {}",
                got["egress"]
            ));
        }
    }
    ensure(problems.is_empty(), || problems.join("\n"))
});
