//! `mock`: the in-process mock gate (`latchgate-mock`), a fresh one per scenario, with an fs root
//! holding `README.md` and `notes/plan.txt`, public base `http://gate.example`, its virtual clock
//! and its operator credentials.

use super::{Acquired, ClockControl, GateEnv, OperatorCreds, TargetProvider};
use crate::http::Endpoint;
use futures::future::BoxFuture;
use latchgate::crypto::dpop::DpopKey;
use latchgate_mock::{MockGate, Mutant, VirtualClock};
use std::sync::Arc;
use std::time::Duration;

/// The public base the in-process mock is configured with (no port, so default-port htu
/// normalisation can be probed).
pub const MOCK_PUBLIC_BASE: &str = "http://gate.example";

/// The in-process mock gate, optionally with one mutant switch.
#[derive(Default)]
pub struct MockTarget {
    mutant: Option<Mutant>,
}

impl MockTarget {
    /// The faithful mock.
    pub fn new() -> Self {
        MockTarget { mutant: None }
    }

    /// A mock with one enforcement rule disabled (suite-strength tests only).
    pub fn with_mutant(m: Mutant) -> Self {
        MockTarget { mutant: Some(m) }
    }
}

struct MockClock(Arc<VirtualClock>);

impl ClockControl for MockClock {
    fn now(&self) -> i64 {
        self.0.now_unix()
    }
    fn advance(&self, secs: u64) {
        self.0.advance(Duration::from_secs(secs));
    }
    fn freeze(&self) {
        self.0.freeze();
    }
}

struct Guard {
    gate: Option<MockGate>,
    _root: tempfile::TempDir,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(gate) = self.gate.take() {
            tokio::spawn(gate.shutdown());
        }
    }
}

impl TargetProvider for MockTarget {
    fn describe(&self) -> String {
        match self.mutant {
            None => "mock (in-process)".into(),
            Some(m) => format!("mock (in-process, mutant {})", m.name()),
        }
    }

    fn acquire(&self) -> BoxFuture<'_, Result<Acquired, String>> {
        Box::pin(async move {
            let root = tempfile::tempdir().map_err(|e| format!("fs root: {e}"))?;
            std::fs::write(root.path().join("README.md"), "# conformance fixture\n")
                .map_err(|e| e.to_string())?;
            std::fs::create_dir_all(root.path().join("notes")).map_err(|e| e.to_string())?;
            std::fs::write(root.path().join("notes/plan.txt"), "plan\n")
                .map_err(|e| e.to_string())?;
            let mut builder = MockGate::builder()
                .public_base_url(MOCK_PUBLIC_BASE)
                .fs_root(root.path());
            if let Some(m) = self.mutant {
                builder = builder.mutant(m);
            }
            let gate = builder
                .start()
                .await
                .map_err(|e| format!("mock gate did not start: {e}"))?;
            let client = Endpoint::Tcp(
                gate.url()
                    .ok_or("mock has no client URL")?
                    .trim_end_matches('/')
                    .to_string(),
            );
            let admin = gate
                .admin_url()
                .map(|u| Endpoint::Tcp(u.trim_end_matches('/').to_string()));
            let cred = gate.operator_credentials().clone();
            let operator = match cred.private_key_pem.as_deref().map(DpopKey::from_pem) {
                Some(Ok(key)) => Some(OperatorCreds {
                    api_key: cred.api_key.clone(),
                    key: Arc::new(key),
                }),
                _ => None,
            };
            let env = GateEnv {
                client,
                admin,
                public_base: gate.public_base_url().trim_end_matches('/').to_string(),
                operator,
                clock: Some(Arc::new(MockClock(gate.clock()))),
                disposable: true,
                faults: true,
                control_token: gate.control_token().map(str::to_string),
            };
            Ok(Acquired {
                env,
                guard: Box::new(Guard {
                    gate: Some(gate),
                    _root: root,
                }),
            })
        })
    }
}
