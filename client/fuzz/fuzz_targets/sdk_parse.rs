//! The SDK's parsers of what a gate sends or a user passes, each with the property it must
//! keep: `htu` normalisation, strict base64url, compact JWS decoding, proof signature checks,
//! JCS canonicalisation, `Retry-After`, the error mapping of non-success answers, receipt
//! and receipt key parsing and offline receipt verification.
#![no_main]

use arbitrary::Arbitrary;
use latchgate::crypto::{b64, dpop, htu, jcs};
use latchgate::error::{map_response, parse_retry_after, Endpoint};
use latchgate::receipt::{parse_receipt_keys, verify_value};
use latchgate::{ErrorKind, Receipt};
use latchgate_fuzz::json::{apply, Edit, Json};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const VECTORS: &str = include_str!("../../../fixtures/vectors/python-sdk.json");

const ENDPOINTS: [Endpoint; 10] = [
    Endpoint::Lease,
    Endpoint::Exec,
    Endpoint::Receipt,
    Endpoint::Poll,
    Endpoint::Discovery,
    Endpoint::Approve,
    Endpoint::Deny,
    Endpoint::OperatorApproval,
    Endpoint::OperatorReceipt,
    Endpoint::Operator,
];

#[derive(Arbitrary, Debug)]
enum Doc {
    /// The signed receipt (or its key list) of the vectors, edited.
    Vector(Vec<Edit>),
    Json(Json),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Input {
    Htu(String),
    Join(String, String),
    B64(String),
    Decode(String),
    ProofSignature(String),
    Jcs(Json),
    JcsText(String),
    RetryAfter(String),
    Answer {
        endpoint: u8,
        status: u16,
        retry_after: Option<String>,
        body: Vec<u8>,
    },
    Receipt {
        receipt: Doc,
        keys: Doc,
    },
}

fn vector(name: &str) -> Value {
    let all: Value = serde_json::from_str(VECTORS).expect("vectors are JSON");
    all["receipt"][name].clone()
}

fn doc(d: &Doc, name: &str) -> Option<Value> {
    match d {
        Doc::Vector(edits) => Some(apply(vector(name), edits)),
        Doc::Json(j) => Some(j.value()),
        Doc::Raw(b) => serde_json::from_slice(b).ok(),
    }
}

fn check_htu(url: &str) {
    let cut = url.split('#').next().unwrap_or_default();
    let cut = cut.split('?').next().unwrap_or_default();
    match htu::normalize(url) {
        Ok(n) => {
            assert!(cut.contains("://"), "{url:?} normalised without \"://\"");
            assert!(
                !n.contains(['#', '?']),
                "{url:?} → {n:?} keeps a query or fragment"
            );
            let scheme = n.split("://").next().unwrap_or_default();
            assert_eq!(scheme, scheme.to_ascii_lowercase(), "{url:?} → {n:?}");
        }
        Err(_) => assert!(
            !cut.contains("://"),
            "{url:?} refused though it has \"://\""
        ),
    }
}

fn check_answer(endpoint: u8, status: u16, retry_after: Option<&str>, body: &[u8]) {
    let endpoint = ENDPOINTS[endpoint as usize % ENDPOINTS.len()];
    let e = map_response(endpoint, status, retry_after, body);
    assert_eq!(e.status(), Some(status), "status not kept");
    if !(400..=599).contains(&status) {
        assert_eq!(e.kind(), ErrorKind::ProtocolError, "HTTP {status}");
    }
    if e.may_have_executed() {
        assert!(
            endpoint.can_execute(),
            "{endpoint:?} cannot execute an action"
        );
    }
    if e.kind() == ErrorKind::OutcomeUnknown {
        assert!(
            e.may_have_executed(),
            "OutcomeUnknown must say the action may have run"
        );
    }
    let _ = (e.transient(), e.to_string(), format!("{e:?}"));
}

fn check_receipt(receipt: &Doc, keys: &Doc) {
    let (Some(r), Some(k)) = (doc(receipt, "receipt"), doc(keys, "keys")) else {
        return;
    };
    let Ok(keys) = parse_receipt_keys(&k) else {
        return;
    };
    let detailed = verify_value(&r, &keys);
    if let Ok(receipt) = Receipt::from_json(r) {
        assert_eq!(
            receipt.verify(&keys),
            detailed.status,
            "Receipt::verify and verify_value disagree"
        );
    }
}

fuzz_target!(|input: Input| {
    match &input {
        Input::Htu(url) => check_htu(url),
        Input::Join(base, path) => {
            let joined = htu::join(base, path);
            assert!(joined.ends_with(path.as_str()), "join lost the path");
        }
        Input::B64(s) => {
            if let Ok(bytes) = b64::decode(s) {
                assert_eq!(
                    &b64::encode(&bytes),
                    s,
                    "strict decoding accepted a non-canonical form"
                );
            }
        }
        Input::Decode(s) => {
            if let Ok((h, c)) = dpop::decode_unverified(s) {
                assert!(h.is_object() && c.is_object(), "decoded a non-object");
            }
        }
        Input::ProofSignature(s) => {
            static KEY: std::sync::OnceLock<dpop::DpopKey> = std::sync::OnceLock::new();
            let key = KEY.get_or_init(|| {
                dpop::DpopKey::from_pem(include_str!(
                    "../../../fixtures/vectors/keys/p256-a.pkcs8.pem"
                ))
                .expect("vector key")
            });
            let _ = dpop::verify_proof_signature(&key.verifying_key(), s);
        }
        Input::Jcs(j) => {
            if let Ok(text) = jcs::canonicalize(&j.value()) {
                let again: Value = serde_json::from_str(&text).expect("JCS output is JSON");
                assert_eq!(
                    jcs::canonicalize(&again).ok(),
                    Some(text),
                    "JCS not idempotent"
                );
            }
        }
        Input::JcsText(s) => {
            if let Ok(v) = serde_json::from_str::<Value>(s) {
                let _ = jcs::request_hash(&v);
            }
        }
        Input::RetryAfter(s) => {
            if parse_retry_after(s).is_some() {
                assert!(s.trim().bytes().all(|b| b.is_ascii_digit()), "{s:?}");
            }
        }
        Input::Answer {
            endpoint,
            status,
            retry_after,
            body,
        } => check_answer(*endpoint, *status, retry_after.as_deref(), body),
        Input::Receipt { receipt, keys } => check_receipt(receipt, keys),
    }
});
