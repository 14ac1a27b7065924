//! What both examples share: reading the environment, the operator client it describes,
//! and the exit code of a run.

use std::process::ExitCode;

use latchgate::{ConnectOptions, Error, ErrorKind, OperatorClientBuilder};

/// A variable of the process environment; empty counts as unset.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Lease options: `fs_root` from `LATCHGATE_FS_ROOT` when set.
pub fn connect_options() -> ConnectOptions {
    match env("LATCHGATE_FS_ROOT") {
        Some(root) => ConnectOptions::new().fs_root(root),
        None => ConnectOptions::new(),
    }
}

/// An operator client with these credentials, on `LATCHGATE_OPERATOR_URL` (else the admin
/// socket), signing for `LATCHGATE_PUBLIC_BASE_URL`, else `LATCHGATE_URL`.
pub fn operator(api_key: String, key_file: String) -> OperatorClientBuilder {
    let mut builder = latchgate::OperatorClient::builder()
        .api_key(api_key)
        .key_file(key_file);
    if let Some(url) = env("LATCHGATE_OPERATOR_URL") {
        builder = builder.base_url(url);
    }
    if let Some(public) = env("LATCHGATE_PUBLIC_BASE_URL").or_else(|| env("LATCHGATE_URL")) {
        builder = builder.public_base_url(public);
    }
    builder
}

/// The exit code of a run: 2 for a configuration error, 1 for any other failure.
pub fn exit_code(outcome: Result<(), Error>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == ErrorKind::InvalidInput => {
            eprintln!("configuration error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!(
                "failed: {e} (kind {}, code {:?}, may have executed: {})",
                e.kind(),
                e.code(),
                e.may_have_executed()
            );
            ExitCode::FAILURE
        }
    }
}
