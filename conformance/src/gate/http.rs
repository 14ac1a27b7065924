//! `http.*`: generic HTTP behaviour — unknown paths, wrong methods, the body limit.

use super::{expect_empty, expect_text, Listener};
use crate::http::RawRequest;
use serde_json::json;

scenario_fn!(unknown_path, |ctx| {
    let resp = ctx.get(Listener::Client, "/v1/no-such-route").await?;
    expect_empty(&resp, 404)
});

scenario_fn!(wrong_method, |ctx| {
    let resp = ctx.get(Listener::Client, "/v1/leases").await?;
    expect_empty(&resp, 405)
});

scenario_fn!(body_limit, |ctx| {
    let mut req = RawRequest::new("POST", "/v1/leases").header("content-type", "application/json");
    let filler = "a".repeat(1_048_600);
    req.body =
        serde_json::to_vec(&json!({"scopes": ["tools:call"], "pad": filler})).unwrap_or_default();
    let resp = ctx.send(Listener::Client, req).await?;
    expect_text(&resp, 413)
});
