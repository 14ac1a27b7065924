//! The mock's virtual clock.
//!
//! Everything time-dependent in the mock reads this clock: lease `iat`/`exp`, lease expiry,
//! the DPoP `iat` window, replay-cache expiry, budget-row expiry, approval TTLs, receipt
//! timestamps. It follows the system clock plus an offset that tests move forward or back, or
//! it can be frozen at an instant. Rate-limit buckets refill by its seconds too (the gate's
//! coarse 1 Hz clock), so a frozen clock makes a burst land within one second.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Virtual time shared by the mock and, optionally, the SDK under test.
#[derive(Debug, Default)]
pub struct VirtualClock {
    /// Offset from the system clock in milliseconds (when not frozen).
    offset_ms: AtomicI64,
    /// Frozen instant in Unix milliseconds (when `frozen`).
    frozen_at_ms: AtomicI64,
    frozen: AtomicBool,
    /// When set, `sleep` advances virtual time instead of waiting.
    auto_advance: AtomicBool,
}

impl VirtualClock {
    /// A clock that follows the system clock.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Current virtual time.
    pub fn now(&self) -> SystemTime {
        let ms = self.now_unix_ms();
        if ms >= 0 {
            UNIX_EPOCH + Duration::from_millis(ms as u64)
        } else {
            UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
        }
    }

    /// Current virtual time in Unix milliseconds.
    pub fn now_unix_ms(&self) -> i64 {
        if self.frozen.load(Ordering::Acquire) {
            return self.frozen_at_ms.load(Ordering::Acquire);
        }
        system_ms() + self.offset_ms.load(Ordering::Acquire)
    }

    /// Current virtual time in whole Unix seconds (floor).
    pub fn now_unix(&self) -> i64 {
        self.now_unix_ms().div_euclid(1000)
    }

    /// Current virtual time as a chrono UTC timestamp.
    pub fn now_utc(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(self.now_unix_ms()).unwrap_or_default()
    }

    /// Current virtual time with the system clock's sub-millisecond digits (a frozen clock has
    /// none): the instants the gate renders with nanoseconds.
    pub fn now_precise(&self) -> chrono::DateTime<chrono::Utc> {
        if self.frozen.load(Ordering::Acquire) {
            return self.now_utc();
        }
        let offset = chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Acquire));
        chrono::Utc::now()
            .checked_add_signed(offset)
            .unwrap_or_default()
    }

    /// Moves virtual time forward by `d`.
    pub fn advance(&self, d: Duration) {
        self.shift_ms(d.as_millis().min(i64::MAX as u128) as i64);
    }

    /// Moves virtual time backward by `d`.
    pub fn rewind(&self, d: Duration) {
        self.shift_ms(-(d.as_millis().min(i64::MAX as u128) as i64));
    }

    /// Moves virtual time by a signed number of milliseconds.
    pub fn shift_ms(&self, delta: i64) {
        if self.frozen.load(Ordering::Acquire) {
            self.frozen_at_ms.fetch_add(delta, Ordering::AcqRel);
        } else {
            self.offset_ms.fetch_add(delta, Ordering::AcqRel);
        }
    }

    /// Sets virtual time to `t` (time keeps running from there unless frozen).
    pub fn set(&self, t: SystemTime) {
        let target = unix_ms(t);
        if self.frozen.load(Ordering::Acquire) {
            self.frozen_at_ms.store(target, Ordering::Release);
        } else {
            self.offset_ms
                .store(target - system_ms(), Ordering::Release);
        }
    }

    /// Stops virtual time at its current value.
    pub fn freeze(&self) {
        let now = self.now_unix_ms();
        self.frozen_at_ms.store(now, Ordering::Release);
        self.frozen.store(true, Ordering::Release);
    }

    /// Lets virtual time run again from its current value.
    pub fn unfreeze(&self) {
        let now = self.now_unix_ms();
        self.offset_ms.store(now - system_ms(), Ordering::Release);
        self.frozen.store(false, Ordering::Release);
    }

    /// Whether the clock is frozen.
    pub fn is_frozen(&self) -> bool {
        self.frozen.load(Ordering::Acquire)
    }

    /// With `true`, [`VirtualClock::sleep_for`] advances virtual time by the requested duration
    /// and returns at once (an SDK sharing the clock then waits without wall-clock delay).
    pub fn set_auto_advance(&self, on: bool) {
        self.auto_advance.store(on, Ordering::Release);
    }

    /// Back to the system clock: offset 0, not frozen, no auto-advance.
    pub fn reset(&self) {
        self.offset_ms.store(0, Ordering::Release);
        self.frozen.store(false, Ordering::Release);
        self.auto_advance.store(false, Ordering::Release);
    }

    /// Sleeps `d` of virtual time: real sleep, or an instant advance in auto-advance mode.
    pub async fn sleep_for(&self, d: Duration) {
        if self.auto_advance.load(Ordering::Acquire) {
            self.advance(d);
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(d).await;
        }
    }
}

/// The gate's approval, learned-entry and reload timestamps, as chrono's `to_rfc3339()` writes a
/// nanosecond instant: `+00:00`, 9 fractional digits, 6 on a whole microsecond. An instant on a
/// whole millisecond (what a frozen virtual clock gives) keeps 9 digits: the gate's clock is
/// never frozen, and 3 digits would read as a millisecond clock.
pub fn rfc3339_nanos(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(nanosecond_digits(&t), false)
}

/// [`rfc3339_nanos`] with `Z` for the offset, as serde writes the gate's receipt times.
pub fn rfc3339_nanos_z(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(nanosecond_digits(&t), true)
}

/// The fraction chrono's AutoSi gives a nanosecond instant (9 digits, 6 on a whole
/// microsecond), except that a whole millisecond keeps 9 (see [`rfc3339_nanos`]).
fn nanosecond_digits(t: &chrono::DateTime<chrono::Utc>) -> chrono::SecondsFormat {
    let nanos = t.timestamp_subsec_nanos();
    if nanos.is_multiple_of(1_000) && !nanos.is_multiple_of(1_000_000) {
        chrono::SecondsFormat::Micros
    } else {
        chrono::SecondsFormat::Nanos
    }
}

fn system_ms() -> i64 {
    unix_ms(SystemTime::now())
}

fn unix_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis().min(i64::MAX as u128) as i64,
        Err(e) => -(e.duration().as_millis().min(i64::MAX as u128) as i64),
    }
}

impl latchgate::Clock for VirtualClock {
    fn now(&self) -> SystemTime {
        VirtualClock::now(self)
    }

    fn sleep(&self, d: Duration) -> latchgate::clock::Sleep {
        if self.auto_advance.load(Ordering::Acquire) {
            self.advance(d);
            Box::pin(tokio::task::yield_now())
        } else {
            Box::pin(tokio::time::sleep(d))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_forward_by_the_duration() {
        let c = VirtualClock::new();
        c.freeze();
        let before = c.now_unix_ms();
        c.advance(Duration::from_secs(61));
        assert_eq!(c.now_unix_ms() - before, 61_000);
    }

    #[test]
    fn precise_timestamps_have_nine_fractional_digits() {
        assert_eq!(at_nanos(220_764_950), "2026-09-21T14:13:20.220764950+00:00");
    }

    fn at_nanos(nanos: u32) -> String {
        rfc3339_nanos(chrono::DateTime::from_timestamp(1_790_000_000, nanos).unwrap_or_default())
    }

    #[test]
    fn an_instant_on_a_whole_microsecond_prints_six_digits_as_chrono_does() {
        assert_eq!(at_nanos(220_764_000), "2026-09-21T14:13:20.220764+00:00");
    }

    #[test]
    fn an_instant_on_a_whole_millisecond_keeps_nine_digits() {
        assert_eq!(at_nanos(220_000_000), "2026-09-21T14:13:20.220000000+00:00");
    }

    #[test]
    fn set_places_the_clock_at_the_instant() {
        let c = VirtualClock::new();
        c.set(UNIX_EPOCH + Duration::from_secs(1_000_000));
        let now = c.now_unix();
        assert!((1_000_000..1_000_002).contains(&now), "now = {now}");
    }
}
