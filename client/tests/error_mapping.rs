//! SDK-CONTRACT §2, row by row, and the §6 error-body vectors: the kind, code and
//! attributes a gate answer maps to.

use latchgate::error::{map_response, parse_retry_after};
use latchgate::{Endpoint as E, ErrorKind as K};

struct Row {
    endpoint: E,
    status: u16,
    body: &'static str,
    retry_after: Option<&'static str>,
    kind: K,
    may_have_executed: bool,
}

const fn row(endpoint: E, status: u16, body: &'static str, kind: K) -> Row {
    Row {
        endpoint,
        status,
        body,
        retry_after: None,
        kind,
        may_have_executed: false,
    }
}

const fn unsafe_row(endpoint: E, status: u16, body: &'static str, kind: K) -> Row {
    Row {
        endpoint,
        status,
        body,
        retry_after: None,
        kind,
        may_have_executed: true,
    }
}

const fn with_retry(mut r: Row, header: &'static str) -> Row {
    r.retry_after = Some(header);
    r
}

/// Every row of the §2 table that has a status, with the bodies the gate sends.
const TABLE: &[Row] = &[
    // LEASE
    row(
        E::Lease,
        400,
        r#"{"error":"invalid_request","message":"scopes must not be empty"}"#,
        K::Denied,
    ),
    row(
        E::Lease,
        400,
        r#"{"error":"invalid_fs_root","message":"not a directory"}"#,
        K::Denied,
    ),
    row(
        E::Lease,
        400,
        "Failed to parse the request body as JSON: EOF",
        K::Denied,
    ),
    row(
        E::Lease,
        401,
        r#"{"error":"identity_unauthenticated"}"#,
        K::AuthError,
    ),
    row(
        E::Lease,
        403,
        r#"{"error":"identity_forbidden"}"#,
        K::Denied,
    ),
    row(
        E::Lease,
        403,
        r#"{"error":"scope_not_permitted"}"#,
        K::Denied,
    ),
    row(
        E::Lease,
        403,
        r#"{"error":"fs_root_denied","message":"blocked"}"#,
        K::Denied,
    ),
    row(
        E::Lease,
        415,
        "Expected request with `Content-Type: application/json`",
        K::Denied,
    ),
    row(
        E::Lease,
        422,
        "Failed to deserialize the JSON body into the target type: unknown field",
        K::Denied,
    ),
    row(
        E::Lease,
        429,
        r#"{"error":"rate_limit_exceeded"}"#,
        K::Unavailable,
    ),
    row(
        E::Lease,
        500,
        r#"{"error":"internal_error"}"#,
        K::Unavailable,
    ),
    row(E::Lease, 503, r#"{"error":"draining"}"#, K::Unavailable),
    row(
        E::Lease,
        503,
        r#"{"error":"identity_provider_unavailable"}"#,
        K::Unavailable,
    ),
    row(
        E::Lease,
        503,
        r#"{"error":"budget_store_unavailable"}"#,
        K::Unavailable,
    ),
    row(E::Lease, 503, r#"{"error":"clock_error"}"#, K::Unavailable),
    // EXEC
    row(
        E::Exec,
        400,
        r#"{"error":"bad_request","deny_reason":"bad"}"#,
        K::Denied,
    ),
    row(
        E::Exec,
        401,
        r#"{"error":"lease_expired"}"#,
        K::LeaseExpired,
    ),
    row(
        E::Exec,
        401,
        r#"{"error":"replay_detected"}"#,
        K::ReplayDetected,
    ),
    row(E::Exec, 401, r#"{"error":"invalid_lease"}"#, K::AuthError),
    row(
        E::Exec,
        401,
        r#"{"error":"missing_auth_header"}"#,
        K::AuthError,
    ),
    row(
        E::Exec,
        401,
        r#"{"error":"invalid_dpop","deny_reason":"iat too old: 1 (now=100, max_age=60s)"}"#,
        K::AuthError,
    ),
    row(
        E::Exec,
        403,
        r#"{"error":"budget_exhausted"}"#,
        K::BudgetExhausted,
    ),
    row(
        E::Exec,
        403,
        r#"{"error":"policy_denied","deny_reason":"budget exhausted: no calls remaining","principal":"dev:anonymous","action_id":"fs_read","remediation":"Run: latchgate policy grant dev:anonymous fs_read"}"#,
        K::BudgetExhausted,
    ),
    row(
        E::Exec,
        403,
        r#"{"error":"policy_denied","deny_reason":"principal 'p' is not authorised for action 'a'","principal":"p","action_id":"a","remediation":"Run: latchgate policy grant p a"}"#,
        K::Denied,
    ),
    row(
        E::Exec,
        403,
        r#"{"error":"action_not_registered"}"#,
        K::Denied,
    ),
    row(
        E::Exec,
        403,
        r#"{"error":"action_digest_mismatch"}"#,
        K::Denied,
    ),
    row(
        E::Exec,
        403,
        r#"{"error":"budget_session_not_found"}"#,
        K::Denied,
    ),
    row(E::Exec, 404, r#"{"error":"action_not_found"}"#, K::NotFound),
    row(E::Exec, 409, r#"{"error":"grant_consumed"}"#, K::Conflict),
    row(E::Exec, 409, r#"{"error":"conflict"}"#, K::Conflict),
    row(
        E::Exec,
        409,
        r#"{"error":"budget_already_initialised"}"#,
        K::Conflict,
    ),
    row(
        E::Exec,
        413,
        "Failed to buffer the request body: length limit exceeded",
        K::Denied,
    ),
    unsafe_row(E::Exec, 422, r#"{"error":"schema_violation"}"#, K::Denied),
    with_retry(
        row(E::Exec, 429, r#"{"error":"rate_limited"}"#, K::Unavailable),
        "1",
    ),
    unsafe_row(
        E::Exec,
        500,
        r#"{"error":"internal_error"}"#,
        K::OutcomeUnknown,
    ),
    unsafe_row(
        E::Exec,
        500,
        r#"{"error":"evidence_persistence_failed"}"#,
        K::OutcomeUnknown,
    ),
    unsafe_row(
        E::Exec,
        502,
        r#"{"error":"action_execution_failed"}"#,
        K::OutcomeUnknown,
    ),
    row(E::Exec, 503, r#"{"error":"clock_error"}"#, K::Unavailable),
    row(
        E::Exec,
        503,
        r#"{"error":"replay_cache_unavailable"}"#,
        K::Unavailable,
    ),
    row(
        E::Exec,
        503,
        r#"{"error":"policy_engine_unavailable"}"#,
        K::Unavailable,
    ),
    row(
        E::Exec,
        503,
        r#"{"error":"policy_engine_timeout"}"#,
        K::Unavailable,
    ),
    row(
        E::Exec,
        503,
        r#"{"error":"policy_engine_invalid_response"}"#,
        K::Unavailable,
    ),
    row(
        E::Exec,
        503,
        r#"{"error":"budget_store_unavailable"}"#,
        K::Unavailable,
    ),
    row(
        E::Exec,
        503,
        r#"{"error":"store_unavailable"}"#,
        K::Unavailable,
    ),
    row(E::Exec, 503, r#"{"error":"draining"}"#, K::Unavailable),
    unsafe_row(
        E::Exec,
        503,
        r#"{"error":"something_else"}"#,
        K::OutcomeUnknown,
    ),
    unsafe_row(E::Exec, 503, "", K::OutcomeUnknown),
    unsafe_row(E::Exec, 504, "", K::OutcomeUnknown),
    // RCPT
    row(
        E::Receipt,
        401,
        r#"{"error":"lease_expired"}"#,
        K::LeaseExpired,
    ),
    row(
        E::Receipt,
        401,
        r#"{"error":"replay_detected"}"#,
        K::ReplayDetected,
    ),
    row(E::Receipt, 401, r#"{"error":"invalid_dpop"}"#, K::AuthError),
    row(E::Receipt, 404, r#"{"error":"not_found"}"#, K::NotFound),
    row(
        E::Receipt,
        500,
        r#"{"error":"internal_error"}"#,
        K::Unavailable,
    ),
    row(
        E::Receipt,
        503,
        r#"{"error":"replay_cache_unavailable"}"#,
        K::Unavailable,
    ),
    row(
        E::Receipt,
        503,
        r#"{"error":"clock_error"}"#,
        K::Unavailable,
    ),
    // POLL: empty bodies
    row(E::Poll, 401, "", K::AuthError),
    row(E::Poll, 404, "", K::NotFound),
    row(E::Poll, 503, "", K::Unavailable),
    // DISC
    row(E::Discovery, 404, "", K::NotFound),
    // APPROVE, DENY
    row(
        E::Approve,
        400,
        r#"{"error":"bad_request","deny_reason":"invalid learn_domain"}"#,
        K::Denied,
    ),
    row(
        E::Deny,
        400,
        "Failed to parse the request body as JSON: EOF while parsing",
        K::Denied,
    ),
    row(
        E::Approve,
        401,
        r#"{"error":"missing_auth_header"}"#,
        K::AuthError,
    ),
    row(
        E::Approve,
        401,
        r#"{"error":"invalid_auth_scheme"}"#,
        K::AuthError,
    ),
    row(
        E::Approve,
        401,
        r#"{"error":"invalid_operator_token"}"#,
        K::AuthError,
    ),
    row(
        E::Deny,
        401,
        r#"{"error":"missing_dpop_header"}"#,
        K::AuthError,
    ),
    row(
        E::Deny,
        401,
        r#"{"error":"invalid_dpop","deny_reason":"htm mismatch"}"#,
        K::AuthError,
    ),
    row(
        E::Approve,
        401,
        r#"{"error":"key_binding_failed","deny_reason":"DPoP proof thumbprint does not match configured dpop_jkt"}"#,
        K::AuthError,
    ),
    row(
        E::Approve,
        401,
        r#"{"error":"replay_detected"}"#,
        K::ReplayDetected,
    ),
    row(
        E::Deny,
        401,
        r#"{"error":"replay_detected"}"#,
        K::ReplayDetected,
    ),
    row(
        E::Approve,
        404,
        r#"{"error":"action_not_found"}"#,
        K::NotFound,
    ),
    row(E::Deny, 404, r#"{"error":"action_not_found"}"#, K::NotFound),
    row(E::Approve, 409, r#"{"error":"conflict"}"#, K::Conflict),
    row(E::Deny, 409, r#"{"error":"conflict"}"#, K::Conflict),
    with_retry(
        row(
            E::Approve,
            429,
            r#"{"error":"operator_throttled"}"#,
            K::Unavailable,
        ),
        "2",
    ),
    with_retry(
        row(
            E::Deny,
            429,
            r#"{"error":"operator_throttled"}"#,
            K::Unavailable,
        ),
        "2",
    ),
    row(E::Approve, 503, r#"{"error":"draining"}"#, K::Unavailable),
    row(
        E::Approve,
        503,
        r#"{"error":"store_unavailable"}"#,
        K::Unavailable,
    ),
    row(
        E::Deny,
        503,
        r#"{"error":"store_unavailable"}"#,
        K::Unavailable,
    ),
    row(
        E::Deny,
        503,
        r#"{"error":"replay_cache_unavailable"}"#,
        K::Unavailable,
    ),
    // APPROVE after the claim: as EXEC
    row(
        E::Approve,
        403,
        r#"{"error":"policy_denied","deny_reason":"budget exhausted: no calls remaining"}"#,
        K::BudgetExhausted,
    ),
    row(
        E::Approve,
        403,
        r#"{"error":"policy_denied","deny_reason":"disallowed sink(s): email"}"#,
        K::Denied,
    ),
    row(
        E::Approve,
        409,
        r#"{"error":"grant_consumed"}"#,
        K::Conflict,
    ),
    unsafe_row(
        E::Approve,
        422,
        r#"{"error":"schema_violation"}"#,
        K::Denied,
    ),
    unsafe_row(
        E::Approve,
        500,
        r#"{"error":"internal_error"}"#,
        K::OutcomeUnknown,
    ),
    unsafe_row(
        E::Approve,
        502,
        r#"{"error":"action_execution_failed"}"#,
        K::OutcomeUnknown,
    ),
    // OP
    row(
        E::Operator,
        401,
        r#"{"error":"unauthorized"}"#,
        K::AuthError,
    ),
    row(
        E::OperatorReceipt,
        401,
        r#"{"error":"unauthorized"}"#,
        K::AuthError,
    ),
    row(E::OperatorApproval, 401, "", K::AuthError),
    row(E::OperatorApproval, 404, "", K::NotFound),
    row(E::OperatorApproval, 429, "", K::Unavailable),
    row(E::OperatorApproval, 500, "", K::Unavailable),
    row(E::OperatorApproval, 503, "", K::Unavailable),
    row(
        E::Operator,
        400,
        "Failed to deserialize query string: unknown variant `bogus`",
        K::Denied,
    ),
    row(
        E::Operator,
        429,
        r#"{"error":"rate_limit_exceeded"}"#,
        K::Unavailable,
    ),
    row(
        E::Operator,
        503,
        r#"{"error":"approval_store_unavailable"}"#,
        K::Unavailable,
    ),
    // Unlisted statuses map by class.
    row(E::Lease, 418, "", K::Denied),
    row(E::Receipt, 502, "", K::Unavailable),
    unsafe_row(E::Approve, 599, "", K::OutcomeUnknown),
    row(E::Deny, 500, "", K::Unavailable),
];

fn code_of(body: &str) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(o)) => {
            o.get("error").and_then(|e| e.as_str()).map(str::to_owned)
        }
        _ => None,
    }
}

#[test]
fn every_row_of_the_response_table_maps_to_its_kind_and_attributes() {
    for r in TABLE {
        let e = map_response(r.endpoint, r.status, r.retry_after, r.body.as_bytes());
        let at = format!("{:?} {} {}", r.endpoint, r.status, r.body);
        assert_eq!(e.kind(), r.kind, "kind for {at}");
        assert_eq!(e.status(), Some(r.status), "status for {at}");
        assert_eq!(
            e.code().map(str::to_owned),
            code_of(r.body),
            "code for {at}"
        );
        assert_eq!(
            e.may_have_executed(),
            r.may_have_executed,
            "may_have_executed for {at}"
        );
        assert_eq!(e.transient(), r.kind.is_transient(), "transient for {at}");
        assert_eq!(
            e.retry_after(),
            r.retry_after.and_then(|h| h.parse().ok()),
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

/// The catch-all kind of every status §2 lists, per endpoint.
const CATCH_ALL: &[(E, &[(u16, K)])] = &[
    (
        E::Lease,
        &[
            (400, K::Denied),
            (401, K::AuthError),
            (403, K::Denied),
            (415, K::Denied),
            (422, K::Denied),
            (429, K::Unavailable),
            (500, K::Unavailable),
            (503, K::Unavailable),
        ],
    ),
    (
        E::Exec,
        &[
            (400, K::Denied),
            (401, K::AuthError),
            (403, K::Denied),
            (404, K::NotFound),
            (409, K::Conflict),
            (413, K::Denied),
            (422, K::Denied),
            (429, K::Unavailable),
            (500, K::OutcomeUnknown),
            (502, K::OutcomeUnknown),
            (503, K::OutcomeUnknown),
        ],
    ),
    (
        E::Receipt,
        &[
            (401, K::AuthError),
            (404, K::NotFound),
            (500, K::Unavailable),
            (503, K::Unavailable),
        ],
    ),
    (
        E::Poll,
        &[
            (401, K::AuthError),
            (404, K::NotFound),
            (503, K::Unavailable),
        ],
    ),
    (E::Discovery, &[(404, K::NotFound)]),
    (
        E::Approve,
        &[
            (400, K::Denied),
            (401, K::AuthError),
            (403, K::Denied),
            (404, K::NotFound),
            (409, K::Conflict),
            (422, K::Denied),
            (429, K::Unavailable),
            (500, K::OutcomeUnknown),
            (502, K::OutcomeUnknown),
            (503, K::OutcomeUnknown),
        ],
    ),
    (
        E::Deny,
        &[
            (400, K::Denied),
            (401, K::AuthError),
            (404, K::NotFound),
            (409, K::Conflict),
            (429, K::Unavailable),
            (503, K::Unavailable),
        ],
    ),
    (
        E::OperatorApproval,
        &[
            (401, K::AuthError),
            (404, K::NotFound),
            (429, K::Unavailable),
            (500, K::Unavailable),
            (503, K::Unavailable),
        ],
    ),
    (
        E::Operator,
        &[
            (400, K::Denied),
            (401, K::AuthError),
            (429, K::Unavailable),
            (503, K::Unavailable),
        ],
    ),
];

/// SDK-CONTRACT §6 error-body vectors.
const ODD_BODIES: [&str; 10] = [
    r#"{"error":"x"}"#,
    r#"{"error":{"k":1}}"#,
    "[]",
    "null",
    r#""s""#,
    "7",
    "true",
    "",
    "plain text error",
    "<html><body><h1>502 Bad Gateway</h1></body></html>",
];

#[test]
fn odd_error_bodies_give_the_catch_all_kind_and_a_code_only_for_a_string_error() {
    for (endpoint, statuses) in CATCH_ALL {
        for (status, kind) in statuses.iter() {
            for (i, body) in ODD_BODIES.iter().enumerate() {
                let e = map_response(*endpoint, *status, None, body.as_bytes());
                let at = format!("{endpoint:?} {status} body {body:?}");
                assert_eq!(e.kind(), *kind, "kind for {at}");
                let expected_code = if i == 0 { Some("x") } else { None };
                assert_eq!(e.code(), expected_code, "code for {at}");
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
