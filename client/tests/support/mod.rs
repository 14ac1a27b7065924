//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("client/ has a parent")
        .to_path_buf()
}

/// A file under `fixtures/vectors/`, parsed as JSON.
pub fn vector_file(name: &str) -> serde_json::Value {
    let path = workspace().join("fixtures/vectors").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A fixed test key under `fixtures/vectors/keys/`.
pub fn key_file(name: &str) -> String {
    let path = workspace().join("fixtures/vectors/keys").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

mod python_env;

/// The Python interpreter of the venv holding the published SDK (`python_env.rs`: the workspace's
/// one reading of `LATCHGATE_PYTHON` and `LATCHGATE_REQUIRE_PYTHON`).
pub fn python_or_skip(test: &str) -> Option<PathBuf> {
    python_env::python_or_skip(&workspace(), test)
}

/// Run `test` with the Python interpreter of the venv, or print why it is skipped.
pub fn with_python(test: &str, run: impl FnOnce(&std::path::Path)) {
    if let Some(python) = python_or_skip(test) {
        run(&python);
    }
}

/// The string member `key` of `v`; fails naming it when absent.
pub fn str_of<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

/// Check this crate's JWK and thumbprint of every fixed key against `vectors` (the shape
/// of python-sdk.json).
pub fn assert_key_vectors(vectors: &serde_json::Value) {
    for entry in vectors["keys"].as_array().expect("keys") {
        let name = str_of(entry, "file");
        let key = dpop::DpopKey::from_pem(&key_file(name)).expect("fixed key loads");
        let jwk = serde_json::to_value(key.public_jwk()).unwrap();
        assert_eq!(jwk, entry["jwk"], "JWK of {name}");
        let thumbprint = str_of(entry, "thumbprint");
        assert_eq!(key.thumbprint(), thumbprint, "thumbprint of {name}");
    }
}

/// Check this crate's `ath` of every token in `vectors` (the shape of python-sdk.json).
pub fn assert_ath_vectors(vectors: &serde_json::Value) {
    for entry in vectors["ath"].as_array().expect("ath") {
        let token = str_of(entry, "token");
        let ath = latchgate::crypto::ath(token);
        assert_eq!(ath, str_of(entry, "ath"), "ath({token:?})");
    }
}

/// Check this crate's htu normalisation of every URL in `vectors` (the shape of
/// python-sdk.json).
pub fn assert_htu_vectors(vectors: &serde_json::Value) {
    for entry in vectors["htu"].as_array().expect("htu") {
        let url = str_of(entry, "url");
        let normalized = latchgate::crypto::htu::normalize(url).unwrap();
        assert_eq!(
            normalized,
            str_of(entry, "normalized"),
            "normalize({url:?})"
        );
    }
}

/// Run a Python snippet with `python` and return its stdout parsed as JSON.
pub fn run_python_json(python: &std::path::Path, args: &[&str], stdin: &str) -> serde_json::Value {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(python)
        .args(args)
        .current_dir(workspace())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(stdin.as_bytes())
        .expect("write to python");
    let out = child.wait_with_output().expect("python runs");
    assert!(
        out.status.success(),
        "python {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "python printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

pub mod gate;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use latchgate::crypto::dpop;
use latchgate::crypto::jwk::EcPublicJwk;

/// Fixed start of every manual clock in the tests: 2026-01-01T00:00:00Z.
pub const T0: u64 = 1_767_225_600;

/// RFC 3339 `Z` text of a Unix time, as the gate sends `expires_at`.
pub fn rfc3339(unix: u64) -> String {
    chrono::DateTime::<chrono::Utc>::from(UNIX_EPOCH + Duration::from_secs(unix))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Answers `POST /v1/leases` with `jwt-N`, `session-N`, `jti-N` (N counting from 1) and an
/// expiry `ttl` after `issued_at` (read at each request).
pub struct LeaseResponder {
    pub issued: AtomicUsize,
    pub issued_at: Box<dyn Fn() -> u64 + Send + Sync>,
    pub ttl: u64,
}

impl LeaseResponder {
    pub fn fixed(issued_at: u64, ttl: u64) -> Self {
        Self {
            issued: AtomicUsize::new(0),
            issued_at: Box::new(move || issued_at),
            ttl,
        }
    }

    pub fn body(&self) -> serde_json::Value {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        serde_json::json!({
            "lease_jwt": format!("jwt-{n}"),
            "session_id": format!("session-{n}"),
            "lease_jti": format!("jti-{n}"),
            "expires_at": rfc3339((self.issued_at)() + self.ttl),
        })
    }
}

impl wiremock::Respond for LeaseResponder {
    fn respond(&self, _: &wiremock::Request) -> wiremock::ResponseTemplate {
        wiremock::ResponseTemplate::new(200).set_body_json(self.body())
    }
}

/// Decode and check a request's DPoP proof; returns its claims.
pub fn check_proof(
    headers: &http::HeaderMap,
    jwk: &serde_json::Value,
    token: &str,
    htm: &str,
    htu: &str,
) -> serde_json::Value {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    assert_eq!(
        auth,
        Some(format!("DPoP {token}").as_str()),
        "Authorization header"
    );
    let proof = headers
        .get("dpop")
        .and_then(|v| v.to_str().ok())
        .expect("a DPoP header");
    let (header, claims) = dpop::decode_unverified(proof).expect("proof decodes");
    assert_eq!(
        header,
        serde_json::json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk}),
        "proof header"
    );
    let key: EcPublicJwk = serde_json::from_value(jwk.clone()).expect("jwk shape");
    let verifying = key.to_verifying_key().expect("jwk is a P-256 key");
    assert!(
        dpop::verify_proof_signature(&verifying, proof),
        "proof signature verifies"
    );
    let names: Vec<&String> = claims.as_object().unwrap().keys().collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["ath", "htm", "htu", "iat", "jti"],
        "proof claim names"
    );
    assert_eq!(claims["htm"], htm, "htm");
    assert_eq!(claims["htu"], htu, "htu");
    assert_eq!(claims["ath"], latchgate::crypto::ath(token), "ath");
    assert!(claims["iat"].is_i64(), "iat is an integer");
    claims
}

/// The smallest execution body a gate sends: receipt `r`.
pub fn executed() -> serde_json::Value {
    serde_json::json!({"decision": "executed", "trace_id": "t", "grant_id": "g", "receipt_id": "r"})
}

/// A manual clock at [`T0`].
pub fn manual_clock() -> std::sync::Arc<latchgate::ManualClock> {
    std::sync::Arc::new(latchgate::ManualClock::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(T0),
    ))
}
pub mod wire;
