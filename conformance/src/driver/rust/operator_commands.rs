//! The commands an operator handle answers, and the operator-side helpers `import_key` and
//! `verify_receipt`.

use super::{invalid, reply, result_json, text, RustSession};
use crate::driver::{DriverError, Reply};
use latchgate::transport::Env;
use latchgate::{OperatorClient, ReceiptKey};
use serde_json::{json, Value};

impl RustSession {
    /// Answers an operator command; `None` when `name` is not one.
    pub(super) async fn operator_command(
        &mut self,
        name: &str,
        cmd: &Value,
    ) -> Result<Option<Reply>, DriverError> {
        Ok(Some(match name {
            "import_key" => import_key(cmd),
            "verify_receipt" => verify_receipt(cmd),
            "list_approvals" => {
                let o = self.operator(cmd)?;
                let limit = cmd["limit"].as_u64().map(|l| l.min(u32::MAX as u64) as u32);
                reply(o.list_approvals(cmd["status"].as_str(), limit).await, |l| {
                    serde_json::to_value(l).unwrap_or_default()
                })
            }
            "approve" => reply(
                self.operator(cmd)?
                    .approve(&text(cmd, "approval_id"), Default::default())
                    .await,
                |out| match out {
                    latchgate::ApproveOutcome::Executed(r) => result_json(*r),
                    latchgate::ApproveOutcome::AlreadyDecided(t) => {
                        serde_json::to_value(t).unwrap_or_default()
                    }
                },
            ),
            "deny" => reply(
                self.operator(cmd)?
                    .deny(&text(cmd, "approval_id"), cmd["reason"].as_str())
                    .await,
                |out| match out {
                    latchgate::DenyOutcome::Denied(d) => {
                        serde_json::to_value(d).unwrap_or_default()
                    }
                    latchgate::DenyOutcome::AlreadyDecided(t) => {
                        serde_json::to_value(t).unwrap_or_default()
                    }
                },
            ),
            "receipt_keys" => reply(
                self.operator(cmd)?.receipt_keys().await,
                |k| json!({"keys": k}),
            ),
            _ => return Ok(None),
        }))
    }
}

/// Imports a PEM key the way the operator client does and reports its thumbprint.
fn import_key(cmd: &Value) -> Reply {
    let b = OperatorClient::builder()
        .environment(Env::from_pairs(&[]))
        .base_url("http://127.0.0.1:9")
        .api_key("import-check")
        .key_pem(text(cmd, "pem"));
    reply(b.build(), |o| json!({"thumbprint": o.key_thumbprint()}))
}

/// Verifies a receipt offline against a key list.
fn verify_receipt(cmd: &Value) -> Reply {
    let keys: Vec<ReceiptKey> = match serde_json::from_value(cmd["keys"].clone()) {
        Ok(k) => k,
        Err(e) => {
            return invalid(
                "keys",
                &format!("the key list does not deserialize into latchgate::ReceiptKey: {e}"),
            )
        }
    };
    Reply::Ok(
        json!({"status": latchgate::receipt::verify_value(&cmd["receipt"], &keys).status.as_str()}),
    )
}
