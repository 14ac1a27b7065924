//! `replay.*`: the replay cache across proofs, leases, listeners, agents and operators, and its TTL
//! (multi-request, so written as code).

use super::{expect_error, GateCtx, Lease, Listener};
use crate::check::{Check, Failure};
use crate::http::RawResponse;
use serde_json::json;

pub(super) const EXEC_PATH: &str = "/v1/actions/lgc_no_such_action/execute";

const APPROVE_PATH: &str = "/v1/approvals/01900000-0000-7000-8000-00000000c0fe/approve";

/// The request passed auth: the unknown action's 404 `action_not_found` is the only answer a
/// request gets past auth and replay with (a 400, 403, 429 or 5xx is not a pass).
pub(super) fn accepted(resp: &RawResponse, what: &str) -> Check {
    expect_error(resp, 404, "action_not_found")
        .map(|_| ())
        .map_err(|f| match f {
            Failure::Fail(mut e) => {
                e.message = format!("{what} must pass auth: {}", e.message);
                Failure::Fail(e)
            }
            skip => skip,
        })
}

/// Sends an agent execute to the unknown action with a proof using `jti`.
async fn agent_with_jti(
    ctx: &mut GateCtx,
    lease: &Lease,
    jti: &str,
    to: Listener,
) -> Check<RawResponse> {
    let mut proof = ctx.proof_for(&lease.key, "POST", EXEC_PATH, &lease.jwt);
    proof.claims["jti"] = json!(jti);
    let req = ctx.with_proof(lease, "POST", EXEC_PATH, &proof);
    ctx.send(to, req).await
}

/// Sends an agent execute with `jti` on the client listener; fails unless it passed auth.
async fn accepted_with_jti(ctx: &mut GateCtx, lease: &Lease, jti: &str, what: &str) -> Check {
    accepted(
        &agent_with_jti(ctx, lease, jti, Listener::Client).await?,
        what,
    )
}

async fn operator_with_jti(ctx: &mut GateCtx, jti: &str) -> Check<RawResponse> {
    let op = ctx
        .env
        .operator
        .clone()
        .ok_or_else(|| Failure::skip("needs operator credentials"))?;
    let mut proof = ctx.proof_for(&op.key, "POST", APPROVE_PATH, &op.api_key);
    proof.claims["jti"] = json!(jti);
    let req = crate::http::RawRequest::new("POST", APPROVE_PATH)
        .header("authorization", &format!("DPoP {}", op.api_key))
        .header(
            "dpop",
            &proof.compact(&op.key, &latchgate::crypto::dpop::DpopKey::generate()),
        );
    ctx.send(Listener::Admin, req).await
}

/// Fails unless the gate refused a request as a replay.
fn replayed(resp: &RawResponse) -> Check {
    expect_error(resp, 401, "replay_detected").map(|_| ())
}

/// A fresh jti: first used by `first`'s lease on the client listener (which must pass auth),
/// then again by `then`'s lease on its listener, which the gate must refuse as a replay.
async fn jti_reused(ctx: &mut GateCtx, first: (&Lease, &str), then: (&Lease, Listener)) -> Check {
    let jti = latchgate::crypto::dpop::fresh_jti();
    accepted_with_jti(ctx, first.0, &jti, first.1).await?;
    replayed(&agent_with_jti(ctx, then.0, &jti, then.1).await?)
}

scenario_fn!(same_proof, |ctx| {
    let lease = ctx.lease().await?;
    let (req, _) = ctx.agent_request(&lease, "POST", EXEC_PATH);
    accepted(
        &ctx.send(Listener::Client, req.clone()).await?,
        "the first use of a proof",
    )?;
    replayed(&ctx.send(Listener::Client, req).await?)
});

scenario_fn!(same_jti_new_proof, |ctx| {
    let lease = ctx.lease().await?;
    let first = (&lease, "the first proof with this jti");
    jti_reused(ctx, first, (&lease, Listener::Client)).await
});

scenario_fn!(across_leases, |ctx| {
    let a = ctx.lease().await?;
    let b = ctx.lease().await?;
    jti_reused(ctx, (&a, "lease A's proof"), (&b, Listener::Client)).await
});

scenario_fn!(agent_then_operator, |ctx| {
    let lease = ctx.lease().await?;
    let jti = latchgate::crypto::dpop::fresh_jti();
    accepted_with_jti(ctx, &lease, &jti, "the agent proof").await?;
    replayed(&operator_with_jti(ctx, &jti).await?)
});

scenario_fn!(operator_then_agent, |ctx| {
    let lease = ctx.lease().await?;
    let jti = latchgate::crypto::dpop::fresh_jti();
    let first = operator_with_jti(ctx, &jti).await?;
    expect_error(&first, 404, "action_not_found")?;
    replayed(&agent_with_jti(ctx, &lease, &jti, Listener::Client).await?)
});

scenario_fn!(rejected_does_not_burn, |ctx| {
    let lease = ctx.lease().await?;
    let jti = latchgate::crypto::dpop::fresh_jti();
    let mut bad = ctx.proof_for(&lease.key, "POST", EXEC_PATH, &lease.jwt);
    bad.claims["jti"] = json!(jti);
    bad.claims["ath"] = json!(latchgate::crypto::ath("another token"));
    let req = ctx.with_proof(&lease, "POST", EXEC_PATH, &bad);
    expect_error(&ctx.send(Listener::Client, req).await?, 401, "invalid_dpop")?;
    accepted_with_jti(
        ctx,
        &lease,
        &jti,
        "a correct proof reusing the refused proof's jti",
    )
    .await
});

scenario_fn!(after_ttl, |ctx| {
    let clock = ctx.clock()?;
    let lease = ctx.lease_with(json!({})).await?;
    let jti = latchgate::crypto::dpop::fresh_jti();
    accepted_with_jti(ctx, &lease, &jti, "the first proof").await?;
    clock.advance(181);
    let fresh = ctx.lease().await?;
    accepted_with_jti(
        ctx,
        &fresh,
        &jti,
        "a fresh proof reusing the jti after 181 s",
    )
    .await
});

scenario_fn!(across_listeners, |ctx| {
    let lease = ctx.lease().await?;
    let first = (&lease, "the proof on the client listener");
    jti_reused(ctx, first, (&lease, Listener::Admin)).await
});

#[cfg(test)]
mod tests {
    use super::accepted;
    use crate::http::RawResponse;

    #[test]
    fn accepted_takes_only_the_unknown_actions_404() {
        assert!(accepted(
            &RawResponse::json_for_test(404, r#"{"error":"action_not_found"}"#),
            "t"
        )
        .is_ok());
        for (status, body) in [
            (400, r#"{"error":"bad_request"}"#),
            (403, r#"{"error":"policy_denied"}"#),
            (429, r#"{"error":"rate_limited"}"#),
            (401, r#"{"error":"replay_detected"}"#),
            (500, r#"{"error":"internal_error"}"#),
            (404, ""),
        ] {
            assert!(
                accepted(&RawResponse::json_for_test(status, body), "t").is_err(),
                "{status} {body} must not count as passing auth"
            );
        }
    }
}
