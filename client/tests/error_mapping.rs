//! SDK-CONTRACT §2, row by row, and the §6 error-body vectors (both transcribed in
//! fixtures/vectors/error-mapping.json): the kind, code and attributes a gate answer maps to.

use latchgate::error::{map_response, parse_retry_after};
use latchgate::{Endpoint as E, ErrorKind as K};

mod support;

fn endpoint(name: &str) -> E {
    match name {
        "lease" => E::Lease,
        "exec" => E::Exec,
        "receipt" => E::Receipt,
        "poll" => E::Poll,
        "discovery" => E::Discovery,
        "approve" => E::Approve,
        "deny" => E::Deny,
        "operator_get_approval" => E::OperatorApproval,
        "operator_receipt" => E::OperatorReceipt,
        "operator" => E::Operator,
        other => panic!("unknown endpoint group {other:?} in error-mapping.json"),
    }
}

fn kind(name: &str) -> K {
    K::ALL
        .into_iter()
        .find(|k| k.as_str() == name)
        .unwrap_or_else(|| panic!("unknown kind {name:?} in error-mapping.json"))
}

#[test]
fn every_row_of_the_response_table_maps_to_its_kind_and_attributes() {
    let file = support::vector_file("error-mapping.json");
    let rows = file["rows"].as_array().unwrap();
    assert!(rows.len() >= 95, "only {} rows", rows.len());
    for r in rows {
        let (group, status) = (
            r["endpoint"].as_str().unwrap(),
            r["status"].as_u64().unwrap() as u16,
        );
        let body = r["body"].as_str().unwrap();
        let retry = r["retry_after"].as_str();
        let e = map_response(endpoint(group), status, retry, body.as_bytes());
        let at = format!("{group} {status} {body}");
        let expected = kind(r["kind"].as_str().unwrap());
        assert_eq!(e.kind(), expected, "kind for {at}");
        assert_eq!(e.status(), Some(status), "status for {at}");
        assert_eq!(e.code(), r["code"].as_str(), "code for {at}");
        assert_eq!(
            e.may_have_executed(),
            r["may_have_executed"].as_bool().unwrap(),
            "may_have_executed for {at}"
        );
        assert_eq!(e.transient(), expected.is_transient(), "transient for {at}");
        assert_eq!(
            e.retry_after(),
            retry.and_then(|h| h.parse().ok()),
            "retry_after for {at}"
        );
    }
}

#[test]
fn reason_is_deny_reason_else_message() {
    let e = map_response(
        E::Exec,
        401,
        None,
        br#"{"error":"invalid_dpop","deny_reason":"htu mismatch","message":"m"}"#,
    );
    assert_eq!(e.reason(), Some("htu mismatch"));
    let e = map_response(
        E::Lease,
        400,
        None,
        br#"{"error":"invalid_request","message":"scopes must not be empty"}"#,
    );
    assert_eq!(e.reason(), Some("scopes must not be empty"));
    let e = map_response(E::Exec, 403, None, br#"{"error":"action_not_registered"}"#);
    assert_eq!(e.reason(), None);
}

#[test]
fn denied_exposes_principal_action_and_remediation() {
    let e = map_response(
        E::Exec,
        403,
        None,
        br#"{"error":"policy_denied","deny_reason":"no","principal":"dev:anonymous","action_id":"fs_write","remediation":"Run: latchgate policy grant dev:anonymous fs_write"}"#,
    );
    assert_eq!(
        (e.principal(), e.action_id(), e.remediation()),
        (
            Some("dev:anonymous"),
            Some("fs_write"),
            Some("Run: latchgate policy grant dev:anonymous fs_write")
        )
    );
}

#[test]
fn text_bodies_are_exposed_as_detail_cut_at_200_characters() {
    let long = "x".repeat(500);
    let e = map_response(E::Exec, 413, None, long.as_bytes());
    assert_eq!(e.detail().map(str::len), Some(200));
    assert_eq!(e.code(), None);
}

#[test]
fn odd_error_bodies_give_the_catch_all_kind_and_a_code_only_for_a_string_error() {
    let file = support::vector_file("error-mapping.json");
    let bodies: Vec<&str> = file["odd_bodies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    assert_eq!(bodies.len(), 10);
    for (group, statuses) in file["catch_all"].as_object().unwrap() {
        for (status, expected) in statuses.as_object().unwrap() {
            let status: u16 = status.parse().unwrap();
            for (i, body) in bodies.iter().enumerate() {
                let e = map_response(endpoint(group), status, None, body.as_bytes());
                let at = format!("{group} {status} body {body:?}");
                assert_eq!(e.kind(), kind(expected.as_str().unwrap()), "kind for {at}");
                assert_eq!(
                    e.code(),
                    if i == 0 { Some("x") } else { None },
                    "code for {at}"
                );
            }
        }
    }
}

#[test]
fn informational_redirect_and_unexpected_success_statuses_are_protocol_errors() {
    for status in [100, 101, 199, 201, 202, 204, 299, 301, 302, 307, 308] {
        let e = map_response(E::Receipt, status, None, b"");
        assert_eq!(e.kind(), K::ProtocolError, "status {status}");
        assert!(!e.may_have_executed(), "receipt {status}");
        let e = map_response(E::Exec, status, None, b"");
        assert!(
            e.may_have_executed(),
            "a protocol error on execute may have executed ({status})"
        );
    }
}

#[test]
fn retry_after_is_read_in_seconds_only() {
    assert_eq!(parse_retry_after("2"), Some(2));
    assert_eq!(parse_retry_after(" 1 "), Some(1));
    assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    assert_eq!(parse_retry_after("-1"), None);
    assert_eq!(parse_retry_after(""), None);
}

#[test]
fn kind_names_are_the_contract_vocabulary() {
    let names: Vec<&str> = K::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "InvalidInput",
            "NotConnected",
            "Closed",
            "ApprovalRequired",
            "Denied",
            "BudgetExhausted",
            "NotFound",
            "AuthError",
            "LeaseExpired",
            "ReplayDetected",
            "Conflict",
            "Unavailable",
            "OutcomeUnknown",
            "TransportError",
            "ProtocolError",
        ]
    );
    let transient: Vec<&str> = K::ALL
        .iter()
        .filter(|k| k.is_transient())
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        transient,
        [
            "LeaseExpired",
            "ReplayDetected",
            "Conflict",
            "Unavailable",
            "TransportError"
        ]
    );
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_status_and_body_maps_without_panicking(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..300), retry in proptest::option::of(".{0,12}")) {
            for endpoint in [E::Lease, E::Exec, E::Receipt, E::Poll, E::Discovery, E::Approve, E::Deny, E::OperatorApproval, E::OperatorReceipt, E::Operator] {
                let e = map_response(endpoint, status, retry.as_deref(), &body);
                let _ = (e.to_string(), format!("{e:?}"));
            }
        }
    }
}
