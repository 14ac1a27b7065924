//! The in-process gate behind [`GateControl`], the interface an out-of-process mock offers
//! through its control API.

use std::time::Duration;

use futures::future::BoxFuture;

use super::MockGate;
use crate::control::client::{ControlError, GateControl};
use crate::control::faults::FaultRule;
use crate::control::journal::JournalEntry;

impl GateControl for MockGate {
    fn journal_entries(&self) -> BoxFuture<'_, Result<Vec<JournalEntry>, ControlError>> {
        Box::pin(async move { Ok(self.journal().entries()) })
    }
    fn clear_journal(&self) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.journal().clear();
            Ok(())
        })
    }
    fn now_unix_ms(&self) -> BoxFuture<'_, Result<i64, ControlError>> {
        Box::pin(async move { Ok(self.clock().now_unix_ms()) })
    }
    fn advance_clock(&self, by: Duration) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.clock().advance(by);
            Ok(())
        })
    }
    fn set_clock(&self, unix_ms: i64) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.clock()
                .set(std::time::UNIX_EPOCH + Duration::from_millis(unix_ms.max(0) as u64));
            Ok(())
        })
    }
    fn freeze_clock(&self, frozen: bool) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            if frozen {
                self.clock().freeze()
            } else {
                self.clock().unfreeze()
            }
            Ok(())
        })
    }
    fn inject_fault(&self, rule: FaultRule) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.faults()
                .inject(rule)
                .map_err(|e| ControlError::Refused {
                    status: 400,
                    body: e.to_string(),
                })
        })
    }
    fn clear_faults(&self) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.faults().clear();
            Ok(())
        })
    }
    fn set_next_lease_ttl(
        &self,
        ttl: Duration,
        count: u32,
    ) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.faults().set_next_lease_ttl(ttl.as_secs(), count);
            Ok(())
        })
    }
    fn reset(&self) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            MockGate::reset(self);
            Ok(())
        })
    }
}
