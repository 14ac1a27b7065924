//! `sdk.net.*`: network behaviour — timeouts, may-have-executed, no retries, no redirects, HTTP/1.1.

use super::execute_cmd;
use super::tap::{respond_json, Action};
use crate::check::{ensure, ensure_eq};
use serde_json::json;
use std::time::{Duration, Instant};

sdk_fn!(net_timeout, |ctx| {
    let c = ctx.client(json!({"timeout_ms": 250})).await?;
    // The 250 ms are meant for the execute under test; connect is setup, sent again if the
    // machine's load makes it miss them.
    ctx.setup(json!({"cmd": "connect", "client": c})).await?;
    ctx.tap
        .once("/execute", Action::Delay(Duration::from_millis(1500)));
    let start = Instant::now();
    ctx.exec_err(&c, "TransportError").await?;
    let took = start.elapsed();
    ensure(took < Duration::from_millis(1200), || {
        format!("a 250 ms timeout took {} ms", took.as_millis())
    })
});

sdk_fn!(sent_may_have_executed, |ctx| {
    let c = ctx.connected().await?;
    ctx.tap.once("/execute", Action::DropAfterGate);
    let e = ctx.err(execute_cmd(&c), "TransportError").await?;
    ensure_eq("may_have_executed", Some(true), e.may_have_executed)
});

sdk_fn!(no_retry, |ctx| {
    let c = ctx.connected().await?;
    let actions = [
        respond_json(503, json!({"error": "draining"})),
        respond_json(502, json!({"error": "action_execution_failed"})),
        Action::DropBeforeGate,
    ];
    for (i, a) in actions.into_iter().enumerate() {
        ctx.tap.once("/execute", a);
        let _ = ctx.cmd(execute_cmd(&c)).await?;
        ensure_eq(
            &format!("execute requests after failure {}", i + 1),
            i + 1,
            ctx.sent("/execute").len(),
        )?;
    }
    Ok(())
});

sdk_fn!(no_redirect, |ctx| {
    let c = ctx.connected().await?;
    let location = format!("{}/v1/lgc-redirected", ctx.tap.url());
    ctx.tap.once(
        "/execute",
        Action::Respond {
            status: 307,
            content_type: None,
            body: vec![],
            headers: vec![("location".into(), location)],
        },
    );
    ctx.exec_err(&c, "ProtocolError").await?;
    ctx.expect_sent("requests to the redirect target", "lgc-redirected", 0)
});

sdk_fn!(http11, |ctx| {
    let c = ctx.connected().await?;
    ctx.executed_receipt(&c).await?;
    ensure(
        !ctx.sent("/execute").is_empty() && !ctx.sent("/v1/receipts/").is_empty(),
        || "the execute and receipt requests never reached the gate".into(),
    )?;
    ensure(
        ctx.journal().iter().all(|e| e.version == "HTTP/1.1"),
        || "a request was not HTTP/1.1".into(),
    )
});
