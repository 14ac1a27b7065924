//! An agent's call waits for a human: the agent executes, gets `ApprovalRequired` and waits;
//! the operator lists pending approvals and approves; the agent sees `approved`, fetches the
//! receipt of the approved execution and verifies it.
//!
//! ```sh
//! latchgate-mock serve --http 127.0.0.1:3000 --admin-http 127.0.0.1:3001 --fs-root "$PWD"  # prints the operator credentials
//! LATCHGATE_URL=http://127.0.0.1:3000 LATCHGATE_OPERATOR_URL=http://127.0.0.1:3001 \
//! LATCHGATE_OPERATOR_API_KEY=... LATCHGATE_OPERATOR_KEY_FILE=operator.pem \
//!   cargo run -p latchgate --example approval
//! ```
//!
//! Environment: `LATCHGATE_URL` (agent listener, else the default socket),
//! `LATCHGATE_OPERATOR_URL` (admin listener, else the admin socket next to the client socket),
//! `LATCHGATE_OPERATOR_API_KEY`, `LATCHGATE_OPERATOR_KEY_FILE` (PKCS#8 or SEC1 PEM),
//! `LATCHGATE_PUBLIC_BASE_URL` (the gate's `public_base_url`; the operator falls back to
//! `LATCHGATE_URL`, then `http://localhost:3000`), `LATCHGATE_FS_ROOT` (optional lease
//! `fs_root`), `LATCHGATE_EXAMPLE_PATH` (default `notes/approval-demo.txt`: outside
//! `fs_read`'s allowlist in the quickstart preset, so reading it needs an approval).

mod common;

use std::process::ExitCode;
use std::time::Duration;

use latchgate::{ApproveOptions, ApproveOutcome, Client, Error, ErrorKind, OperatorClient};
use serde_json::json;

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run().await)
}

async fn run() -> Result<(), Error> {
    let agent = Client::builder().agent_id("approval-example").build()?;
    let operator = operator()?;
    let options = common::connect_options();
    agent.connect(options).await?;

    let path = common::env("LATCHGATE_EXAMPLE_PATH")
        .unwrap_or_else(|| "notes/approval-demo.txt".to_owned());
    let approval_id = match agent
        .execute("fs_read", json!({"operation": "read", "path": path}))
        .await
    {
        Err(e) if e.kind() == ErrorKind::ApprovalRequired => {
            e.approval().expect("details").approval_id.clone()
        }
        Err(e) => return Err(e),
        Ok(result) => {
            println!(
                "{path} was readable without approval (receipt {}); pick another path",
                result.receipt_id
            );
            return Ok(());
        }
    };
    println!("agent: approval {approval_id} required; waiting");

    let waiter = {
        let agent = agent.clone();
        let id = approval_id.clone();
        tokio::spawn(async move {
            agent
                .wait_for_approval(&id, Some(Duration::from_secs(120)))
                .await
        })
    };

    let pending = operator.list_approvals(Some("pending"), None).await?;
    for summary in &pending.approvals {
        println!(
            "operator: pending {} {} by {} ({})",
            summary.approval_id, summary.action_id, summary.principal, summary.risk_level
        );
    }
    match operator
        .approve(&approval_id, ApproveOptions::default())
        .await?
    {
        ApproveOutcome::Executed(result) => println!(
            "operator: approved; the plan ran, receipt {}",
            result.receipt_id
        ),
        ApproveOutcome::AlreadyDecided(done) => println!("operator: already {}", done.status),
    }

    let status = waiter.await.map_err(|e| {
        Error::new(
            ErrorKind::TransportError,
            format!("the waiting task failed: {e}"),
        )
    })??;
    println!("agent: approval is {}", status.status);
    if let Some(receipt_id) = status.receipt_id.as_deref() {
        let receipt = agent.get_receipt(receipt_id).await?;
        let keys = operator.receipt_keys().await?;
        println!(
            "agent: receipt {receipt_id} verifies offline as {}",
            receipt.verify(&keys)
        );
    }
    agent.close();
    Ok(())
}

fn operator() -> Result<OperatorClient, Error> {
    let api_key = common::env("LATCHGATE_OPERATOR_API_KEY").ok_or_else(|| {
        Error::invalid_input(
            "LATCHGATE_OPERATOR_API_KEY",
            "set LATCHGATE_OPERATOR_API_KEY",
        )
    })?;
    let key_file = common::env("LATCHGATE_OPERATOR_KEY_FILE").ok_or_else(|| {
        Error::invalid_input(
            "LATCHGATE_OPERATOR_KEY_FILE",
            "set LATCHGATE_OPERATOR_KEY_FILE",
        )
    })?;
    common::operator(api_key, key_file).build()
}
