//! Lease renewal on an injected clock: the 60 s window, re-sent parameters, failed renewals,
//! re-leasing after a rejection, coalescing, and the notifications (C-CONN).

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use latchgate::{Client, ConnectOptions, ErrorKind, LeaseCause, LeaseEvent};
use serde_json::json;
use support::gate::{Reply, ScriptedGate};
use support::wire::{answer_json, builder, executing_gate, lease_bodies, lease_once, mount};
use support::{manual_clock, LeaseResponder, T0};
use wiremock::{MockServer, ResponseTemplate};

/// A gate that leases once, answers later lease requests with `renewal`, and denies
/// `fs_read` with `action_not_registered`.
async fn gate_failing_renewals(renewal: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    lease_once(&server).await;
    mount(&server, "POST /v1/leases", renewal, None).await;
    let denied = json!({"error": "action_not_registered"});
    answer_json(&server, "POST /v1/actions/fs_read/execute", 403, denied).await;
    server
}

/// Everything `pick` takes from the events the client notifies.
fn record<T: Send + 'static>(
    c: &Client,
    pick: impl Fn(&LeaseEvent) -> Option<T> + Send + Sync + 'static,
) -> Arc<Mutex<Vec<T>>> {
    let seen: Arc<Mutex<Vec<T>>> = Default::default();
    let sink = Arc::clone(&seen);
    c.on_lease_change(move |e| sink.lock().unwrap().extend(pick(e)));
    seen
}

#[tokio::test]
async fn renewal_happens_only_with_less_than_sixty_seconds_left() {
    let server = executing_gate(300).await;
    let clock = manual_clock();
    let c = builder(&server, clock.clone())
        .agent_id("agent-1")
        .build()
        .unwrap();
    c.execute("fs_read", json!({})).await.unwrap();
    clock.advance(Duration::from_secs(240)); // exactly 60 s left
    c.execute("fs_read", json!({})).await.unwrap();
    let leases = lease_bodies(&server).await.len();
    assert_eq!(leases, 1, "60 s left must not renew");
    clock.advance(Duration::from_secs(1)); // 59 s left
    c.execute("fs_read", json!({})).await.unwrap();
    assert_eq!(lease_bodies(&server).await.len(), 2, "59 s left must renew");
}

#[tokio::test]
async fn lease_renewal_preserves_budgets_scopes_and_fs_root() {
    let server = executing_gate(30).await;
    let c = builder(&server, manual_clock()).build().unwrap();
    let options = ConnectOptions::new()
        .scopes(["tools:call", "email:send"])
        .max_calls(5)
        .fs_root("/srv/x");
    c.connect(options).await.unwrap();
    let first_session = c.session_id();
    c.execute("fs_read", json!({})).await.unwrap(); // 30 s left: renews first
    let mut bodies = lease_bodies(&server).await;
    assert_eq!(bodies.len(), 2);
    assert_ne!(bodies[0]["dpop_jwk"], bodies[1]["dpop_jwk"]);
    for body in &mut bodies {
        body.as_object_mut().unwrap().remove("dpop_jwk");
    }
    assert_eq!(
        bodies[0], bodies[1],
        "renewal re-sends the lease parameters"
    );
    assert_ne!(c.session_id(), first_session);
    assert_eq!(c.session_id().as_deref(), Some("session-2"));
    assert_eq!(c.lease_jti().as_deref(), Some("jti-2"));
}

#[tokio::test]
async fn session_change_is_notified_with_its_cause() {
    let server = executing_gate(30).await;
    let c = builder(&server, manual_clock()).build().unwrap();
    let changes = record(&c, |e| match e {
        LeaseEvent::Changed {
            old_session_id,
            new_session_id,
            cause,
        } => Some((old_session_id.clone(), new_session_id.clone(), *cause)),
        _ => None,
    });
    c.connect(ConnectOptions::new()).await.unwrap();
    c.execute("fs_read", json!({})).await.unwrap();
    let session = |n: &str| format!("session-{n}");
    assert_eq!(
        *changes.lock().unwrap(),
        [
            (None, session("1"), LeaseCause::Explicit),
            (Some(session("1")), session("2"), LeaseCause::Renewal),
        ]
    );
}

#[tokio::test]
async fn failed_renewal_with_unavailable_keeps_the_valid_lease_and_notifies() {
    let draining = ResponseTemplate::new(503).set_body_json(json!({"error": "draining"}));
    let server = gate_failing_renewals(draining).await;
    let clock = manual_clock();
    let c = builder(&server, clock.clone()).build().unwrap();
    let failures = record(&c, |e| match e {
        LeaseEvent::RenewalFailed { error, .. } => Some(error.kind()),
        _ => None,
    });
    c.connect(ConnectOptions::new()).await.unwrap();
    clock.advance(Duration::from_secs(250));
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    let went_ahead = "the call went ahead with the current lease";
    assert_eq!(err.kind(), ErrorKind::Denied, "{went_ahead}");
    assert_eq!(c.session_id().as_deref(), Some("session-1"));
    assert_eq!(*failures.lock().unwrap(), [ErrorKind::Unavailable]);
}

#[tokio::test]
async fn failed_renewal_with_a_denial_propagates_and_keeps_the_lease() {
    let scope = json!({"error": "scope_not_permitted"});
    let server = gate_failing_renewals(ResponseTemplate::new(403).set_body_json(scope)).await;
    let clock = manual_clock();
    let c = builder(&server, clock.clone()).build().unwrap();
    c.connect(ConnectOptions::new()).await.unwrap();
    clock.advance(Duration::from_secs(250));
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::Denied, Some("scope_not_permitted"))
    );
    assert_eq!(c.session_id().as_deref(), Some("session-1"));
}

#[tokio::test]
async fn invalid_lease_from_execute_discards_the_lease_and_the_next_call_relogs_in() {
    let server = support::wire::gate().await;
    let invalid = json!({"error": "invalid_lease"});
    answer_json(&server, "POST /v1/actions/fs_read/execute", 401, invalid).await;
    let c = builder(&server, manual_clock()).build().unwrap();
    let causes = record(&c, |e| match e {
        LeaseEvent::Changed { cause, .. } => Some(*cause),
        _ => None,
    });
    c.connect(ConnectOptions::new().max_calls(3)).await.unwrap();
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthError);
    assert_eq!(c.session_id(), None, "the rejected lease is dropped");
    let _ = c.execute("fs_read", json!({})).await;
    let bodies = lease_bodies(&server).await;
    let not_retried = "one re-lease, the failed call itself is not retried";
    assert_eq!(bodies.len(), 2, "{not_retried}");
    assert_eq!(bodies[1]["budgets"], json!({"max_calls": 3}));
    assert_eq!(
        *causes.lock().unwrap(),
        [LeaseCause::Explicit, LeaseCause::Relogin]
    );
}

#[tokio::test]
async fn without_auto_renew_an_expired_lease_is_lease_expired_before_any_io() {
    let server = executing_gate(300).await;
    let clock = manual_clock();
    let c = builder(&server, clock.clone())
        .auto_renew(false)
        .build()
        .unwrap();
    c.connect(ConnectOptions::new()).await.unwrap();
    clock.advance(Duration::from_secs(250));
    c.execute("fs_read", json!({}))
        .await
        .expect("inside the window, no renewal, still valid");
    clock.advance(Duration::from_secs(50));
    let before = server.received_requests().await.unwrap().len();
    let err = c.execute("fs_read", json!({})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LeaseExpired);
    assert!(err.transient());
    let after = server.received_requests().await.unwrap().len();
    assert_eq!(after, before, "pre-I/O");
    assert_eq!(lease_bodies(&server).await.len(), 1);
}

#[tokio::test]
async fn concurrent_lazy_connects_make_one_lease_request() {
    // The lease answer is held until every caller is waiting, so all of them overlap.
    let release = Arc::new(tokio::sync::Notify::new());
    let gate_release = Arc::clone(&release);
    let leases = Arc::new(LeaseResponder::fixed(T0, 300));
    let gate = ScriptedGate::tcp(Arc::new(move |req| {
        let release = Arc::clone(&gate_release);
        let leases = Arc::clone(&leases);
        Box::pin(async move {
            if req.target == "/v1/leases" {
                release.notified().await;
                return Reply::json(200, leases.body());
            }
            Reply::json(200, support::executed())
        })
    }))
    .await;
    let c = gate.builder().clock(manual_clock()).build().unwrap();
    let calls: Vec<_> = (0..16)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.execute("fs_read", json!({})).await })
        })
        .collect();
    while gate.count("POST", "/v1/leases") == 0 {
        tokio::task::yield_now().await;
    }
    for _ in 0..64 {
        tokio::task::yield_now().await;
    }
    release.notify_waiters();
    release.notify_one();
    for call in calls {
        call.await.unwrap().expect("every waiter gets the lease");
    }
    assert_eq!(gate.count("POST", "/v1/leases"), 1);
    assert_eq!(gate.count("POST", "/v1/actions/fs_read/execute"), 16);
}

#[tokio::test]
async fn a_failed_coalesced_lease_is_not_cached() {
    let server = MockServer::start().await;
    let draining = ResponseTemplate::new(503).set_body_json(json!({"error": "draining"}));
    mount(&server, "POST /v1/leases", draining, Some(1)).await;
    mount(
        &server,
        "POST /v1/leases",
        LeaseResponder::fixed(T0, 300),
        None,
    )
    .await;
    let c = builder(&server, manual_clock())
        .agent_id("a")
        .build()
        .unwrap();
    let err = c.get_receipt("r1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    let _ = c.get_receipt("r1").await;
    assert_eq!(lease_bodies(&server).await.len(), 2);
}
