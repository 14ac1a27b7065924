//! `sdk.id.*`: identifiers (agent ids) the SDK accepts and refuses.

use super::SdkCtx;
use crate::check::{ensure, Check, Failure};
use serde_json::json;

sdk_fn!(id_valid, |ctx| {
    let c = ctx.connected().await?;
    let long = "a".repeat(256);
    for id in ["A.b_c-1", "a..b", long.as_str()] {
        let got = ctx
            .cmd(json!({"cmd": "get_receipt", "client": c, "receipt_id": id}))
            .await?;
        ensure(got.kind() != "InvalidInput", || {
            format!("valid id {id:?} was refused: {}", got.describe())
        })?;
    }
    ctx.expect_sent("receipt requests sent", "/v1/receipts/", 3)
});

async fn invalid_ids(ctx: &mut SdkCtx, ids: &[&str]) -> Check {
    let c = ctx.client(json!({"agent_id": "agent-ids"})).await?;
    let before = ctx.tap.io();
    for id in ids {
        let e = ctx
            .err(
                json!({"cmd": "get_receipt", "client": c, "receipt_id": id}),
                "InvalidInput",
            )
            .await?;
        if let Some(f) = &e.field {
            ensure(
                f.to_lowercase().replace('_', "").contains("receiptid"),
                || format!("field names '{f}', not receipt_id"),
            )?;
        } else {
            return Err(Failure::mismatch(
                format!("InvalidInput for {id:?} must name the field"),
                "receipt_id",
                "null",
            ));
        }
    }
    ctx.no_io_since(before, "invalid ids")
}

sdk_fn!(id_invalid, |ctx| {
    invalid_ids(
        ctx,
        &[
            "", "-a", "_a", ".a", "..", "a/b", "a b", "a%2F", "abc\n", "abc\r\n", "\nabc", "a?x",
            "a#x",
        ],
    )
    .await
});

sdk_fn!(id_length, |ctx| {
    let long = "a".repeat(257);
    invalid_ids(ctx, &[long.as_str(), "é"]).await
});
