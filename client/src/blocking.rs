//! A blocking facade over [`crate::Client`] for synchronous tool callbacks (C-LIFE-02).
//!
//! It owns a small tokio runtime and blocks the calling thread on each call. Use it from
//! plain threads only: called from inside an async runtime it returns `InvalidInput`
//! instead of blocking that runtime.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::agent::{
    ActionResult, ApprovalStatus, ClientBuilder, ConnectOptions, LeaseEvent, LeaseInfo,
};
use crate::error::Error;
use crate::receipt::Receipt;
use crate::wire::{ActionDetail, ActionSummary, Health, Readiness};

/// The agent client, blocking. Cheap to clone; clones share the lease and the runtime.
///
/// ```no_run
/// let client = latchgate::blocking::Client::new(
///     latchgate::Client::builder().base_url("http://127.0.0.1:3000").agent_id("tool-runner"),
/// )?;
/// let result = client.execute("fs_read", serde_json::json!({"operation": "read", "path": "README.md"}))?;
/// println!("{}", result.receipt_id);
/// # Ok::<(), latchgate::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: crate::Client,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl Client {
    /// Build the async client from `builder` and a runtime to drive it.
    pub fn new(builder: ClientBuilder) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("latchgate-blocking")
            .enable_all()
            .build()
            .map_err(|e| {
                Error::invalid_input("runtime", format!("cannot start a tokio runtime: {e}"))
            })?;
        Ok(Self {
            inner: builder.build()?,
            runtime: Arc::new(runtime),
        })
    }

    /// The async client behind this facade.
    pub fn async_client(&self) -> &crate::Client {
        &self.inner
    }

    fn block<T>(&self, call: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::invalid_input(
                "runtime",
                "the blocking client was called from inside an async runtime; use latchgate::Client there",
            ));
        }
        self.runtime.block_on(call)
    }

    /// See [`crate::Client::connect`].
    pub fn connect(&self, options: ConnectOptions) -> Result<LeaseInfo, Error> {
        self.block(self.inner.connect(options))
    }

    /// See [`crate::Client::execute`].
    pub fn execute(&self, action_id: &str, params: Value) -> Result<ActionResult, Error> {
        self.block(self.inner.execute(action_id, params))
    }

    /// See [`crate::Client::get_receipt`].
    pub fn get_receipt(&self, receipt_id: &str) -> Result<Receipt, Error> {
        self.block(self.inner.get_receipt(receipt_id))
    }

    /// See [`crate::Client::get_approval_status`].
    pub fn get_approval_status(&self, approval_id: &str) -> Result<ApprovalStatus, Error> {
        self.block(self.inner.get_approval_status(approval_id))
    }

    /// See [`crate::Client::wait_for_approval`].
    pub fn wait_for_approval(
        &self,
        approval_id: &str,
        timeout: Option<Duration>,
    ) -> Result<ApprovalStatus, Error> {
        self.block(self.inner.wait_for_approval(approval_id, timeout))
    }

    /// See [`crate::Client::list_actions`].
    pub fn list_actions(&self) -> Result<Vec<ActionSummary>, Error> {
        self.block(self.inner.list_actions())
    }

    /// See [`crate::Client::get_action`].
    pub fn get_action(&self, action_id: &str) -> Result<ActionDetail, Error> {
        self.block(self.inner.get_action(action_id))
    }

    /// See [`crate::Client::get_request_schema`].
    pub fn get_request_schema(&self, action_id: &str) -> Result<Value, Error> {
        self.block(self.inner.get_request_schema(action_id))
    }

    /// See [`crate::Client::healthz`].
    pub fn healthz(&self) -> Result<Health, Error> {
        self.block(self.inner.healthz())
    }

    /// See [`crate::Client::readyz`].
    pub fn readyz(&self) -> Result<Readiness, Error> {
        self.block(self.inner.readyz())
    }

    /// See [`crate::Client::session_id`].
    pub fn session_id(&self) -> Option<String> {
        self.inner.session_id()
    }

    /// See [`crate::Client::lease_info`].
    pub fn lease_info(&self) -> Option<LeaseInfo> {
        self.inner.lease_info()
    }

    /// See [`crate::Client::on_lease_change`].
    pub fn on_lease_change(&self, hook: impl Fn(&LeaseEvent) + Send + Sync + 'static) {
        self.inner.on_lease_change(hook)
    }

    /// See [`crate::Client::close`].
    pub fn close(&self) {
        self.inner.close()
    }
}
