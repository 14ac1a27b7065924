//! Shared protocol rules checked against vectors that do not come from this crate:
//! the gate's own vectors and SDK-CONTRACT §6 (re-expressed in fixtures/vectors/), and
//! values the Python SDK 0.2.0 computed (fixtures/vectors/python-sdk.json).

mod support;

use latchgate::crypto::dpop::DpopKey;
use latchgate::crypto::{htu, jcs};
use serde_json::Value;
use support::str_of;

/// The `cases` of a vector file, at least `min` of them.
fn cases(file: &str, min: usize) -> Vec<Value> {
    let cases = support::vector_file(file)["cases"]
        .as_array()
        .expect("cases")
        .clone();
    assert!(cases.len() >= min, "only {} cases in {file}", cases.len());
    cases
}

#[test]
fn htu_normalization_matches_every_vector() {
    for case in &cases("htu.json", 14) {
        let url = str_of(case, "url");
        let got = htu::normalize(url);
        match case["normalized"].as_str() {
            Some(expected) => assert_eq!(
                got.as_deref().ok(),
                Some(expected),
                "normalize({url:?}) [{}]",
                case["origin"]
            ),
            None => assert!(got.is_err(), "normalize({url:?}) should fail, gave {got:?}"),
        }
    }
}

#[test]
fn htu_join_removes_every_trailing_slash_of_the_base() {
    let file = support::vector_file("htu.json");
    for case in file["join"].as_array().expect("join") {
        assert_eq!(
            htu::join(str_of(case, "base"), str_of(case, "path")),
            str_of(case, "joined"),
            "join {case}"
        );
    }
}

#[test]
fn jcs_canonical_text_and_hash_match_every_vector() {
    for case in &cases("jcs.json", 9) {
        let name = str_of(case, "name");
        let canonical = jcs::canonicalize(&case["value"]).expect("canonicalizes");
        assert_eq!(
            canonical,
            str_of(case, "canonical"),
            "canonical text of {name:?}"
        );
        assert_eq!(
            jcs::sha256_hex(canonical.as_bytes()),
            str_of(case, "sha256_hex"),
            "sha256 of {name:?}"
        );
        assert_eq!(
            jcs::request_hash(&case["value"]).unwrap(),
            format!("sha256:{}", str_of(case, "sha256_hex")),
            "request_hash of {name:?}"
        );
    }
}

#[test]
fn jcs_orders_keys_by_utf16_code_units_not_code_points() {
    let value: Value = serde_json::from_str(r#"{"\ue000":1,"\ud83d\ude00":2}"#).unwrap();
    assert_eq!(
        jcs::canonicalize(&value).unwrap(),
        "{\"\u{1F600}\":2,\"\u{E000}\":1}"
    );
}

#[test]
fn jwk_and_thumbprint_of_fixed_keys_match_the_python_sdk() {
    support::assert_key_vectors(&support::vector_file("python-sdk.json"));
}

#[test]
fn ath_matches_the_python_sdk() {
    support::assert_ath_vectors(&support::vector_file("python-sdk.json"));
}

#[test]
fn htu_normalization_matches_the_python_sdk() {
    support::assert_htu_vectors(&support::vector_file("python-sdk.json"));
}

#[test]
fn empty_body_request_hash_is_the_gates() {
    // PROTOCOL §8.1: the gate's hash of an empty execute body (treated as {}).
    assert_eq!(
        jcs::request_hash(&serde_json::json!({})).unwrap(),
        "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    );
}

#[test]
fn pem_import_accepts_p256_pkcs8_and_sec1_only() {
    for ok in ["p256-a.pkcs8.pem", "p256-b-leading-zero-x.sec1.pem"] {
        assert!(
            DpopKey::from_pem(&support::key_file(ok)).is_ok(),
            "{ok} must load"
        );
    }
    for bad in [
        "p384.pkcs8.pem",
        "rsa2048.pkcs8.pem",
        "p256-a.encrypted.pem",
    ] {
        assert!(
            DpopKey::from_pem(&support::key_file(bad)).is_err(),
            "{bad} must be rejected"
        );
    }
    assert!(
        DpopKey::from_pem("-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n")
            .is_err()
    );
    assert!(DpopKey::from_pem("").is_err());
}

#[test]
fn pkcs8_export_round_trips_to_the_same_thumbprint() {
    let key = DpopKey::from_pem(&support::key_file("p256-b-leading-zero-x.sec1.pem")).unwrap();
    let again = DpopKey::from_pem(&key.to_pkcs8_pem()).unwrap();
    assert_eq!(again.thumbprint(), key.thumbprint());
    assert!(key
        .to_pkcs8_pem()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
}

#[test]
fn key_debug_shows_the_thumbprint_and_no_secret() {
    let pem = support::key_file("p256-a.pkcs8.pem");
    let key = DpopKey::from_pem(&pem).unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains(&key.thumbprint()), "{debug}");
    let secret_body: String = pem.lines().nth(1).unwrap().chars().take(20).collect();
    assert!(!debug.contains(&secret_body), "{debug}");
}
