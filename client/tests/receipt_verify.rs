//! Offline receipt verification (SDK-CONTRACT C-VER) against a receipt signed by Python
//! `cryptography` with a fixed Ed25519 seed (fixtures/vectors/python-sdk.json), and every
//! tamper that must make it fail with the right status.

mod support;

use latchgate::receipt::{parse_receipt_keys, verify_value};
use latchgate::{ErrorKind, Receipt, ReceiptKey, VerificationStatus as S};
use serde_json::{json, Value};

fn vector() -> (Value, Vec<ReceiptKey>) {
    let file = support::vector_file("python-sdk.json");
    let receipt = file["receipt"]["receipt"].clone();
    let keys = parse_receipt_keys(&file["receipt"]["keys"]).expect("vector keys parse");
    (receipt, keys)
}

fn status_of(receipt: &Value, keys: &[ReceiptKey]) -> S {
    verify_value(receipt, keys).status
}

#[test]
fn untouched_vector_receipt_is_valid() {
    let (raw, keys) = vector();
    let receipt = Receipt::from_json(raw).unwrap();
    let report = receipt.verify_detailed(&keys);
    assert_eq!(report.status, S::Valid, "{}", report.detail);
    assert_eq!(report.computed_hash.as_deref(), Some(receipt.result_hash()));
}

#[test]
fn changing_any_hashed_member_is_a_hash_mismatch() {
    let (raw, keys) = vector();
    let changes: [(&str, Value); 10] = [
        ("receipt_id", json!("0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c")),
        ("grant_id", json!("other")),
        ("provider_module_digest", json!("builtin:http_api")),
        ("provider_receipt", json!({"ok": false})),
        (
            "normalized_result",
            json!({"kind": "provider_failure", "reason": "exit code 1"}),
        ),
        (
            "verification_outcome",
            json!({"status": "verified", "evidence": {}}),
        ),
        ("effect_evidence", json!([{}])),
        ("started_at", json!("2026-03-04T05:06:07.123457Z")),
        ("finished_at", json!("2026-03-04T05:06:07.2Z")),
        ("failure_class", json!("provider_error")),
    ];
    for (name, value) in changes {
        let mut tampered = raw.clone();
        tampered[name] = value;
        let report = verify_value(&tampered, &keys);
        assert_eq!(
            report.status,
            S::HashMismatch,
            "after changing {name}: {}",
            report.detail
        );
    }
}

#[test]
fn hash_is_checked_before_a_signature_that_verifies() {
    let (mut raw, keys) = vector();
    // The signature still matches result_hash, but the members no longer do.
    raw["provider_receipt"]["data"]["bytes"] = json!(13);
    assert_eq!(status_of(&raw, &keys), S::HashMismatch);
}

#[test]
fn changing_result_hash_is_a_hash_mismatch() {
    let (mut raw, keys) = vector();
    raw["result_hash"] = json!("0".repeat(64));
    assert_eq!(status_of(&raw, &keys), S::HashMismatch);
}

#[test]
fn missing_hashed_member_or_result_hash_is_malformed() {
    let (raw, keys) = vector();
    for name in latchgate::crypto::receipt::HASHED_FIELDS
        .iter()
        .chain(["result_hash"].iter())
    {
        let mut tampered = raw.clone();
        tampered.as_object_mut().unwrap().remove(*name);
        assert_eq!(status_of(&tampered, &keys), S::Malformed, "without {name}");
    }
    assert_eq!(status_of(&json!([1]), &keys), S::Malformed, "an array");
}

#[test]
fn null_failure_class_is_hashed_not_dropped() {
    let (raw, _) = vector();
    let mut without = raw.as_object().unwrap().clone();
    assert!(
        without["failure_class"].is_null(),
        "vector has a null failure_class"
    );
    without.remove("failure_class");
    assert!(latchgate::crypto::receipt::compute_result_hash(&without).is_err());
}

#[test]
fn timestamps_already_in_plus_zero_form_hash_the_same() {
    let (mut raw, keys) = vector();
    raw["started_at"] = json!("2026-03-04T05:06:07.123456+00:00");
    raw["finished_at"] = json!("2026-03-04T05:06:07.200+00:00");
    assert_eq!(status_of(&raw, &keys), S::Valid);
}

#[test]
fn flipped_signature_bit_is_invalid() {
    let (mut raw, keys) = vector();
    let sig = raw["receipt_signature"].as_str().unwrap().to_owned();
    let flipped = format!("{}{}", if &sig[..1] == "0" { "1" } else { "0" }, &sig[1..]);
    raw["receipt_signature"] = json!(flipped);
    assert_eq!(status_of(&raw, &keys), S::Invalid);
}

#[test]
fn absent_or_empty_signature_is_missing_signature() {
    let (raw, keys) = vector();
    let mut absent = raw.clone();
    absent.as_object_mut().unwrap().remove("receipt_signature");
    assert_eq!(status_of(&absent, &keys), S::MissingSignature);
    let mut empty = raw;
    empty["receipt_signature"] = json!("");
    assert_eq!(status_of(&empty, &keys), S::MissingSignature);
}

#[test]
fn absent_key_id_is_missing_key_id() {
    let (mut raw, keys) = vector();
    raw.as_object_mut().unwrap().remove("signing_key_id");
    assert_eq!(status_of(&raw, &keys), S::MissingKeyId);
}

#[test]
fn key_id_not_in_the_list_is_unknown_key_id() {
    let (mut raw, keys) = vector();
    raw["signing_key_id"] = json!("ffffffffffffffff");
    assert_eq!(status_of(&raw, &keys), S::UnknownKeyId);
    let (raw, _) = vector();
    assert_eq!(status_of(&raw, &[]), S::UnknownKeyId, "empty key list");
}

#[test]
fn signature_that_is_not_128_hex_is_malformed_signature() {
    let (raw, keys) = vector();
    let sig = raw["receipt_signature"].as_str().unwrap().to_owned();
    for bad in [
        sig[..126].to_owned(),
        format!("{}zz", &sig[..126]),
        format!("{sig}00"),
    ] {
        let mut tampered = raw.clone();
        tampered["receipt_signature"] = json!(bad);
        assert_eq!(
            status_of(&tampered, &keys),
            S::MalformedSignature,
            "signature {bad}"
        );
    }
}

#[test]
fn another_key_under_the_same_kid_is_invalid() {
    let (raw, mut keys) = vector();
    let other = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    keys[0].x_hex = hex::encode(other.verifying_key().to_bytes());
    assert_eq!(status_of(&raw, &keys), S::Invalid);
}

#[test]
fn non_canonical_s_is_rejected_by_strict_verification() {
    let (mut raw, keys) = vector();
    let mut sig = hex::decode(raw["receipt_signature"].as_str().unwrap()).unwrap();
    // S + L (little-endian) is the same residue, but not canonical.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
        sig[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    raw["receipt_signature"] = json!(hex::encode(sig));
    assert_eq!(status_of(&raw, &keys), S::Invalid);
}

#[test]
fn small_order_key_is_rejected_by_strict_verification() {
    let (mut raw, _) = vector();
    // Identity point as key, identity R and zero S: accepted by a lax verifier.
    let weak = format!("01{}", "00".repeat(31));
    let key = ReceiptKey {
        kid: weak[..16].to_owned(),
        x_hex: weak.clone(),
        ..vector().1[0].clone()
    };
    raw["signing_key_id"] = json!(key.kid.clone());
    raw["receipt_signature"] = json!(format!("{weak}{}", "00".repeat(32)));
    assert_eq!(status_of(&raw, &[key]), S::Invalid);
}

#[test]
fn gate_signature_status_never_influences_the_result() {
    let (mut raw, keys) = vector();
    raw["signature_status"] = json!("invalid");
    assert_eq!(status_of(&raw, &keys), S::Valid);
    raw["receipt_signature"] = json!("");
    raw["signature_status"] = json!("valid");
    assert_eq!(status_of(&raw, &keys), S::MissingSignature);
}

#[test]
fn key_list_skips_other_key_types_and_rejects_bad_x_hex() {
    let (_, keys) = vector();
    let good = serde_json::to_value(&keys[0]).unwrap();
    let rsa = json!({"kid": "k", "kty": "RSA", "n": "x", "e": "AQAB"});
    let parsed = parse_receipt_keys(&json!({"keys": [rsa, good.clone()]})).unwrap();
    assert_eq!(parsed, keys);
    let mut bad = good;
    bad["x_hex"] = json!("abcd");
    let err = parse_receipt_keys(&json!({"keys": [bad]})).unwrap_err();
    assert_eq!(
        (err.kind(), err.field()),
        (ErrorKind::InvalidInput, Some("keys"))
    );
    let err = parse_receipt_keys(&json!({"nokeys": []})).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn receipt_without_a_required_string_member_is_a_protocol_error() {
    let (raw, _) = vector();
    for name in [
        "receipt_id",
        "grant_id",
        "result_hash",
        "started_at",
        "finished_at",
    ] {
        let mut tampered = raw.clone();
        tampered[name] = json!(1);
        let err = Receipt::from_json(tampered).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ProtocolError, "{name} as a number");
    }
}

#[test]
fn fully_successful_needs_success_and_a_verified_or_declared_outcome() {
    let (raw, _) = vector();
    let receipt = Receipt::from_json(raw.clone()).unwrap();
    assert!(receipt.is_fully_successful());
    let mut failed = raw;
    failed["verification_outcome"] = json!({"status": "verification_failed", "reason": "x"});
    assert!(!Receipt::from_json(failed).unwrap().is_fully_successful());
}

#[test]
fn receipt_signed_in_rust_with_a_fixed_seed_verifies() {
    use ed25519_dalek::Signer;
    let (mut raw, _) = vector();
    let seed = [42u8; 32];
    let signer = ed25519_dalek::SigningKey::from_bytes(&seed);
    let key = ReceiptKey::from_public_key(
        &signer.verifying_key().to_bytes(),
        "2026-01-01T00:00:00.000Z",
    );
    let hash = raw["result_hash"].as_str().unwrap().to_owned();
    raw["receipt_signature"] = json!(hex::encode(signer.sign(hash.as_bytes()).to_bytes()));
    raw["signing_key_id"] = json!(key.kid.clone());
    assert_eq!(status_of(&raw, &[key]), S::Valid);
}
