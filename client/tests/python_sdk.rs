//! Cross-checks with the published Python SDK `latchgate` 0.2.0, run live from its venv.
//! Without the venv each test prints why it is skipped (fails with
//! LATCHGATE_REQUIRE_PYTHON=1).

mod support;

use std::path::Path;

use latchgate::crypto::ath;
use latchgate::crypto::dpop::{self, DpopKey, ProofClaims};

const FIXED_KEY: &str = "p256-b-leading-zero-x.sec1.pem";

#[test]
fn python_sdk_recomputes_the_committed_vectors() {
    support::with_python("python_sdk_recomputes_the_committed_vectors", |python| {
        let committed = support::vector_file("python-sdk.json");
        let stale = "python-sdk.json is stale: regenerate it with python_vectors.py";
        assert_eq!(fresh_vectors(python), committed, "{stale}");
    });
}

/// The vectors a live run of `fixtures/vectors/python_vectors.py` computes.
fn fresh_vectors(python: &Path) -> serde_json::Value {
    support::run_python_json(python, &["fixtures/vectors/python_vectors.py"], "")
}

#[test]
fn rust_thumbprint_ath_and_htu_equal_a_live_python_run() {
    support::with_python(
        "rust_thumbprint_ath_and_htu_equal_a_live_python_run",
        |python| {
            let fresh = fresh_vectors(python);
            support::assert_key_vectors(&fresh);
            support::assert_ath_vectors(&fresh);
            support::assert_htu_vectors(&fresh);
        },
    );
}

const PYTHON_SIGNS: &str = r#"
import json, sys
from latchgate._crypto import DPoPKeyPair, compute_ath
req = json.load(sys.stdin)
pair = DPoPKeyPair.from_pem(req["pem"])
proof = pair.sign_proof(htm=req["htm"], htu=req["htu"], ath=compute_ath(req["token"]))
print(json.dumps({"proof": proof}))
"#;

#[test]
fn a_proof_signed_by_the_python_sdk_verifies_and_decodes_in_rust() {
    support::with_python(
        "a_proof_signed_by_the_python_sdk_verifies_and_decodes_in_rust",
        |python| {
            let pem = support::key_file(FIXED_KEY);
            let request = serde_json::json!({
                "pem": pem, "htm": "post", "htu": "HTTP://LocalHost:3000/v1/actions/fs_read/execute?x=1",
                "token": "lease.jwt.token",
            });
            let out = support::run_python_json(python, &["-c", PYTHON_SIGNS], &request.to_string());
            let proof = out["proof"].as_str().unwrap();
            let key = DpopKey::from_pem(&pem).unwrap();
            assert!(
                dpop::verify_proof_signature(&key.verifying_key(), proof),
                "signature of {proof}"
            );
            let (header, claims) = dpop::decode_unverified(proof).unwrap();
            assert_eq!(header, dpop::standard_header(&key));
            assert_eq!(claims["htm"], "POST");
            assert_eq!(
                claims["htu"],
                "http://localhost:3000/v1/actions/fs_read/execute"
            );
            assert_eq!(claims["ath"], ath("lease.jwt.token"));
            assert!(claims["iat"].is_i64(), "iat is an integer: {claims}");
        },
    );
}

const PYTHON_VERIFIES: &str = r#"
import json, sys, base64
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.exceptions import InvalidSignature
from latchgate._crypto import DPoPKeyPair
def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
req = json.load(sys.stdin)
pair = DPoPKeyPair.from_pem(req["pem"])
h, p, s = req["proof"].split(".")
raw = unb64(s)
der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
try:
    pair._private.public_key().verify(der, f"{h}.{p}".encode(), ec.ECDSA(hashes.SHA256()))
    ok = True
except InvalidSignature:
    ok = False
header = json.loads(unb64(h))
print(json.dumps({"ok": ok, "sig_len": len(raw), "header_jwk_equals_sdk_jwk": header["jwk"] == pair.jwk,
                  "header_keys": list(header), "claim_keys": list(json.loads(unb64(p)))}))
"#;

#[test]
fn a_proof_signed_in_rust_verifies_with_python_cryptography() {
    support::with_python(
        "a_proof_signed_in_rust_verifies_with_python_cryptography",
        |python| {
            let pem = support::key_file(FIXED_KEY);
            let key = DpopKey::from_pem(&pem).unwrap();
            let claims = ProofClaims {
                jti: dpop::fresh_jti(),
                htm: "GET".into(),
                htu: "http://localhost:3000/v1/receipts/r1".into(),
                iat: 1_767_225_600,
                ath: ath("t"),
            };
            let proof = dpop::build_proof(&key, &claims);
            let request = serde_json::json!({"pem": pem, "proof": proof});
            let out =
                support::run_python_json(python, &["-c", PYTHON_VERIFIES], &request.to_string());
            assert_eq!(
                out,
                serde_json::json!({
                    "ok": true, "sig_len": 64, "header_jwk_equals_sdk_jwk": true,
                    "header_keys": ["typ", "alg", "jwk"], "claim_keys": ["jti", "htm", "htu", "iat", "ath"],
                })
            );
        },
    );
}
