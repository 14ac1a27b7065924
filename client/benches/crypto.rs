//! Per-request cryptographic work of the SDK: signing a DPoP proof (what every agent and
//! operator request pays) and verifying a receipt offline.
//!
//! `cargo bench -p latchgate --bench crypto`

use std::path::PathBuf;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use latchgate::crypto::dpop::{build_proof, fresh_jti, DpopKey, ProofClaims};
use latchgate::crypto::{ath, htu, jcs};
use latchgate::receipt::{parse_receipt_keys, verify_value};

fn vectors() -> serde_json::Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/vectors/python-sdk.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("vector file")).expect("JSON")
}

fn proof_signing(c: &mut Criterion) {
    let key = DpopKey::generate();
    let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiIsImtpZCI6IjAxMjM0NTY3ODlhYmNkZWYifQ.eyJzdWIiOiJkZXY6YW5vbnltb3VzIn0.c2lnbmF0dXJl";
    c.bench_function("dpop proof: htu + ath + jti + ES256 sign", |b| {
        b.iter(|| {
            let claims = ProofClaims {
                jti: fresh_jti(),
                htm: "POST".to_owned(),
                htu: htu::normalize(&htu::join(
                    "http://localhost:3000",
                    "/v1/actions/fs_read/execute",
                ))
                .unwrap(),
                iat: 1_767_225_600,
                ath: ath(black_box(token)),
            };
            black_box(build_proof(&key, &claims))
        })
    });
    c.bench_function("lease key: P-256 generate + JWK", |b| {
        b.iter(|| black_box(DpopKey::generate().public_jwk()))
    });
}

fn receipt_verification(c: &mut Criterion) {
    let file = vectors();
    let receipt = file["receipt"]["receipt"].clone();
    let keys = parse_receipt_keys(&file["receipt"]["keys"]).unwrap();
    assert!(verify_value(&receipt, &keys).status.is_valid());
    c.bench_function("receipt verify: JCS hash + Ed25519 strict", |b| {
        b.iter(|| black_box(verify_value(black_box(&receipt), &keys).status))
    });
    let params = serde_json::json!({"url": "https://api.github.com/repos/o/r", "method": "GET", "headers": {"Accept": "application/json"}});
    c.bench_function("request_hash of a typical body", |b| {
        b.iter(|| black_box(jcs::request_hash(black_box(&params))))
    });
}

criterion_group!(benches, proof_signing, receipt_verification);
criterion_main!(benches);
