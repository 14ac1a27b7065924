//! Warm process drivers: a driver whose hello declares the `warm` capability serves many
//! scenarios in one process. After a scenario the runner sends `reset` (the driver drops its
//! clients and operators and restores its environment) and keeps the process for the next
//! scenario. A session that crashed, hung, answered garbage or refused `reset` is never kept: the
//! next scenario gets a fresh process.

use super::ProcessSession;
use crate::driver::Reply;
use serde_json::json;
use std::sync::Mutex;

/// The capability a driver declares when it can serve many scenarios with `reset` between them.
pub const WARM: &str = "warm";

/// Idle warm sessions, reset and ready for a scenario.
#[derive(Default)]
pub(super) struct Pool {
    idle: Mutex<Vec<ProcessSession>>,
}

impl Pool {
    /// An idle session, if one is kept.
    pub(super) fn take(&self) -> Option<ProcessSession> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    /// Resets a session that finished its scenario and keeps it; a session that failed on the
    /// way or does not answer `reset` with ok is closed instead.
    pub(super) async fn recycle(&self, mut session: ProcessSession) {
        if !session.healthy() {
            session.close().await;
            return;
        }
        match session.exchange(json!({"cmd": "reset"})).await {
            Ok(Reply::Ok(_)) => {
                session.forget_stderr();
                self.idle
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(session);
            }
            _ => session.close().await,
        }
    }
}
