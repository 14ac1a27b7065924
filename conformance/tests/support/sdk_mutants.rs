//! SDK mutants: the Rust SDK's driver wrapped so that the SDK breaks one contract rule, for
//! measuring the SDK suite's kill rate. Test-only: the published crate's behaviour is untouched.

use futures::future::BoxFuture;
use latchgate_conformance::driver::{
    DriverError, DriverFactory, DriverSession, ErrorOutcome, Hello, Reply, RustDriver,
};
use serde_json::{json, Value};
use std::collections::HashSet;

/// One broken SDK rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SdkMutant {
    /// A call after `close()` still goes to the gate (on the kept-alive connection), then
    /// reports `Closed` (C-LIFE-01, C-ERR-07: no I/O after close).
    IoAfterClose,
    /// The SDK never renews its lease (the crate's `auto_renew(false)`, through the Rust
    /// driver's test-only `lgc_test_auto_renew` switch): C-CONN, renew before expiry.
    NeverRenews,
    /// Any HTTP error status is taken as success (C-ERR-01).
    IgnoresErrorStatuses,
}

impl SdkMutant {
    /// Every SDK mutant.
    pub const ALL: [SdkMutant; 3] = [
        SdkMutant::IoAfterClose,
        SdkMutant::NeverRenews,
        SdkMutant::IgnoresErrorStatuses,
    ];

    /// snake_case name for tables.
    pub fn name(self) -> &'static str {
        match self {
            SdkMutant::IoAfterClose => "io_after_close",
            SdkMutant::NeverRenews => "never_renews",
            SdkMutant::IgnoresErrorStatuses => "ignores_error_statuses",
        }
    }
}

/// Starts Rust driver sessions carrying one mutant.
pub struct MutantDriver(pub SdkMutant);

impl DriverFactory for MutantDriver {
    fn spec(&self) -> String {
        format!("rust+{}", self.0.name())
    }

    fn start(&self) -> BoxFuture<'_, Result<Box<dyn DriverSession>, DriverError>> {
        Box::pin(async move {
            let inner = RustDriver.start().await?;
            Ok(Box::new(MutantSession {
                inner,
                mutant: self.0,
                closed: HashSet::new(),
            }) as Box<dyn DriverSession>)
        })
    }
}

struct MutantSession {
    inner: Box<dyn DriverSession>,
    mutant: SdkMutant,
    closed: HashSet<String>,
}

impl MutantSession {
    async fn io_after_close(&mut self, cmd: Value) -> Result<Reply, DriverError> {
        let client = cmd["client"].as_str().unwrap_or_default().to_string();
        if cmd["cmd"] == "close" {
            // The client is left open underneath: later calls still reach the gate.
            self.closed.insert(client);
            return Ok(Reply::Ok(json!({})));
        }
        if !self.closed.contains(&client) {
            return self.inner.call(cmd).await;
        }
        self.inner.call(cmd).await?;
        Ok(Reply::Err(ErrorOutcome {
            kind: "Closed".into(),
            transient: Some(false),
            may_have_executed: Some(false),
            native: Some("mutant io_after_close: the call went out, then Closed".into()),
            ..Default::default()
        }))
    }
}

impl DriverSession for MutantSession {
    fn hello(&self) -> &Hello {
        self.inner.hello()
    }

    fn call(&mut self, mut cmd: Value) -> BoxFuture<'_, Result<Reply, DriverError>> {
        Box::pin(async move {
            match self.mutant {
                SdkMutant::IoAfterClose => self.io_after_close(cmd).await,
                SdkMutant::NeverRenews => {
                    if cmd["cmd"] == "new_client" {
                        cmd["lgc_test_auto_renew"] = json!(false);
                    }
                    self.inner.call(cmd).await
                }
                SdkMutant::IgnoresErrorStatuses => match self.inner.call(cmd).await? {
                    Reply::Err(e) if e.status.is_some() => Ok(Reply::Ok(json!({}))),
                    other => Ok(other),
                },
            }
        })
    }

    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        self.inner.shutdown()
    }
}
