//! `mock`: the in-process mock gate (`latchgate-mock`), a fresh one per scenario, with an fs root
//! holding `README.md` and `notes/plan.txt`, public base `http://gate.example`, its virtual clock
//! and its operator credentials.

use super::{AcquireError, Acquired, ClockControl, GateEnv, OperatorCreds, TargetProvider};
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
    lax: bool,
    own_base: bool,
}

impl MockTarget {
    /// The faithful mock.
    pub fn new() -> Self {
        MockTarget::default()
    }

    /// The mock with every lax switch on: the real gate v0.2.0's exact behaviour where it is
    /// laxer than RFC 9449.
    pub fn lax() -> Self {
        MockTarget::default().lax_all()
    }

    /// Every real-gate laxness switched on (`.lax_all()`: the exact v0.2.0 behaviour).
    pub fn lax_all(mut self) -> Self {
        self.lax = true;
        self
    }

    /// Public base = the gate's own client URL (as a gate someone started), instead of
    /// [`MOCK_PUBLIC_BASE`].
    pub fn own_base(mut self) -> Self {
        self.own_base = true;
        self
    }

    /// A mock with one enforcement rule disabled (suite-strength tests only).
    pub fn with_mutant(m: Mutant) -> Self {
        MockTarget {
            mutant: Some(m),
            ..MockTarget::default()
        }
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
        let lax = if self.lax { ", lax" } else { "" };
        match self.mutant {
            None => format!("mock (in-process{lax})"),
            Some(m) => format!("mock (in-process{lax}, mutant {})", m.name()),
        }
    }

    fn acquire(&self) -> BoxFuture<'_, Result<Acquired, AcquireError>> {
        Box::pin(async move {
            let root = tempfile::tempdir().map_err(AcquireError::FsRoot)?;
            std::fs::write(root.path().join("README.md"), "# conformance fixture\n")
                .map_err(AcquireError::Fixture)?;
            std::fs::create_dir_all(root.path().join("notes")).map_err(AcquireError::Fixture)?;
            std::fs::write(root.path().join("notes/plan.txt"), "plan\n")
                .map_err(AcquireError::Fixture)?;
            let mut builder = MockGate::builder().fs_root(root.path());
            if !self.own_base {
                builder = builder.public_base_url(MOCK_PUBLIC_BASE);
            }
            if self.lax {
                builder = builder.lax_all();
            }
            if let Some(m) = self.mutant {
                builder = builder.mutant(m);
            }
            if self.lax {
                builder = builder.lax_all();
            }
            let gate = builder.start().await.map_err(AcquireError::MockStart)?;
            let client = Endpoint::Tcp(
                gate.url()
                    .ok_or(AcquireError::NoClientUrl)?
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
                fs_root: Some(root.path().display().to_string()),
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
