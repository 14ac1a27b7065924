//! Connect, execute `fs_read`, fetch the receipt and verify it offline.
//!
//! ```sh
//! # against the mock gate binary (or a real gate started with `latchgate up --expose-http 127.0.0.1:3000`)
//! latchgate-mock serve --http 127.0.0.1:3000 --admin-http 127.0.0.1:3001 --fs-root "$PWD" &
//! LATCHGATE_URL=http://127.0.0.1:3000 cargo run -p latchgate --example hello
//! ```
//!
//! Environment:
//! * `LATCHGATE_URL` — the gate's client listener (else the default Unix socket);
//!   `LATCHGATE_PUBLIC_BASE_URL` — the gate's `public_base_url` when it differs.
//! * `LATCHGATE_FS_ROOT` — optional absolute `fs_root` for the lease (a real gate started by
//!   `latchgate up` has no global one; it must lie under `$HOME`).
//! * `LATCHGATE_EXAMPLE_PATH` — the file to read (default `README.md`).
//! * Receipt keys, for the offline check: `LATCHGATE_RECEIPT_KEYS_FILE` (the gate's
//!   `receipt_keys_jwks_path`), or operator credentials `LATCHGATE_OPERATOR_URL` (admin
//!   listener, else the admin socket), `LATCHGATE_OPERATOR_API_KEY` and
//!   `LATCHGATE_OPERATOR_KEY_FILE` to fetch them from `/v1/receipt-keys`.

mod common;

use std::process::ExitCode;

use latchgate::{Client, ErrorKind, ReceiptKey};
use serde_json::json;

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run().await)
}

async fn run() -> Result<(), latchgate::Error> {
    let client = Client::builder().agent_id("hello-example").build()?;
    println!("gate: {} (htu base {})", client.target(), client.htu_base());
    let options = common::connect_options();
    let lease = client.connect(options).await?;
    println!(
        "lease: session {} until {}",
        lease.session_id, lease.expires_at_text
    );

    let path = common::env("LATCHGATE_EXAMPLE_PATH").unwrap_or_else(|| "README.md".to_owned());
    let result = match client
        .execute("fs_read", json!({"operation": "read", "path": path}))
        .await
    {
        Ok(result) => result,
        Err(e) if e.kind() == ErrorKind::ApprovalRequired => {
            let id = &e
                .approval()
                .expect("ApprovalRequired carries its details")
                .approval_id;
            println!(
                "reading {path} needs an operator's approval ({id}); see the approval example"
            );
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    println!(
        "executed: trace {} receipt {}",
        result.trace_id, result.receipt_id
    );
    println!("output: {}", result.output);

    let receipt = client.get_receipt(&result.receipt_id).await?;
    println!(
        "receipt: result {:?}, verification {:?}, gate says signature {:?}",
        receipt.normalized_result_kind(),
        receipt.verification_status(),
        receipt.gate_signature_status()
    );
    match receipt_keys().await? {
        Some(keys) => {
            let check = receipt.verify_detailed(&keys);
            println!("offline verification: {} ({})", check.status, check.detail);
        }
        None => println!("offline verification skipped: set LATCHGATE_RECEIPT_KEYS_FILE or the operator variables"),
    }
    client.close();
    Ok(())
}

async fn receipt_keys() -> Result<Option<Vec<ReceiptKey>>, latchgate::Error> {
    if let Some(file) = common::env("LATCHGATE_RECEIPT_KEYS_FILE") {
        let text = std::fs::read_to_string(&file).map_err(|e| {
            latchgate::Error::invalid_input("LATCHGATE_RECEIPT_KEYS_FILE", format!("{file}: {e}"))
        })?;
        let value = serde_json::from_str(&text).map_err(|e| {
            latchgate::Error::invalid_input("LATCHGATE_RECEIPT_KEYS_FILE", format!("{file}: {e}"))
        })?;
        return latchgate::receipt::parse_receipt_keys(&value).map(Some);
    }
    let (Some(api_key), Some(key_file)) = (
        common::env("LATCHGATE_OPERATOR_API_KEY"),
        common::env("LATCHGATE_OPERATOR_KEY_FILE"),
    ) else {
        return Ok(None);
    };
    let operator = common::operator(api_key, key_file).build()?;
    operator.receipt_keys().await.map(Some)
}
