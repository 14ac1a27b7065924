//! Injectable time, so tests (and the mock gate's virtual clock) can drive lease renewal,
//! proof `iat` and approval polling without real waiting.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A future returned by [`Clock::sleep`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The source of time for a client: wall-clock reads and sleeps.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;

    /// Sleep for `d` of this clock's time. The default sleeps on the tokio timer.
    fn sleep(&self, d: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(d))
    }
}

/// The operating system's clock and the tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to, for tests: [`ManualClock::sleep`] returns at once
/// after advancing the clock by the requested duration, so waits and renewals run without
/// real time passing.
#[derive(Debug)]
pub struct ManualClock {
    now: std::sync::Mutex<SystemTime>,
    slept: std::sync::Mutex<Vec<Duration>>,
}

impl ManualClock {
    /// A clock reading `start`.
    pub fn new(start: SystemTime) -> Self {
        Self {
            now: std::sync::Mutex::new(start),
            slept: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// A clock reading `unix_seconds` after the epoch.
    pub fn at_unix(unix_seconds: u64) -> Self {
        Self::new(UNIX_EPOCH + Duration::from_secs(unix_seconds))
    }

    /// Move the clock forward.
    pub fn advance(&self, d: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += d;
    }

    /// Set the clock.
    pub fn set(&self, t: SystemTime) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = t;
    }

    /// Every duration passed to [`Clock::sleep`] so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.slept.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sleep(&self, d: Duration) -> Sleep {
        self.slept.lock().unwrap_or_else(|p| p.into_inner()).push(d);
        self.advance(d);
        Box::pin(std::future::ready(()))
    }
}

/// Whole Unix seconds of `t` (negative before 1970), as used for proof `iat`.
pub(crate) fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            let d = before.duration();
            // Floor towards negative infinity: 0.5 s before the epoch is second -1.
            let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            if d.subsec_nanos() > 0 {
                -whole - 1
            } else {
                -whole
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_floors_both_sides_of_the_epoch() {
        assert_eq!(unix_seconds(UNIX_EPOCH + Duration::from_millis(1_999)), 1);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_millis(500)), -1);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_secs(2)), -2);
    }
}
