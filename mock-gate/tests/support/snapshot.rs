//! Redaction of volatile members, so that answers can be snapshot byte for byte.

/// Replaces the values of volatile string members with `<name>` (order and bytes of the rest
/// are kept), for snapshots.
pub fn redact(body: &str) -> String {
    const KEYS: [&str; 25] = [
        "added_at",
        "lease_jwt",
        "session_id",
        "lease_jti",
        "expires_at",
        "trace_id",
        "approval_id",
        "request_hash",
        "grant_id",
        "receipt_id",
        "result_hash",
        "receipt_signature",
        "signing_key_id",
        "started_at",
        "finished_at",
        "created_at",
        "completed_at",
        "claimed_at",
        "plan_hash",
        "approval_hash",
        "operator_sender_binding",
        "kid",
        "x",
        "y",
        "x_hex",
    ];
    let mut out = body.to_string();
    for k in KEYS {
        let pat = format!("\"{k}\":\"");
        let mut from = 0;
        while let Some(i) = out[from..].find(&pat) {
            let start = from + i + pat.len();
            let end = start + out[start..].find('"').unwrap();
            out.replace_range(start..end, &format!("<{k}>"));
            from = start;
        }
    }
    let pat = "\"duration_ms\":";
    if let Some(i) = out.find(pat) {
        let start = i + pat.len();
        let end = start + out[start..].find(|c: char| !c.is_ascii_digit()).unwrap();
        out.replace_range(start..end, "0");
    }
    out
}
