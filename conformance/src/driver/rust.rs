//! The `rust` driver: the `latchgate` crate in process.

use super::{DriverFactory, DriverSession};
use futures::future::BoxFuture;

/// The in-process Rust driver.
#[derive(Default)]
pub struct RustDriver;

impl DriverFactory for RustDriver {
    fn spec(&self) -> String {
        "rust".into()
    }

    fn start(&self) -> BoxFuture<'_, Result<Box<dyn DriverSession>, String>> {
        Box::pin(async { Err("the rust driver is not wired in yet".to_string()) })
    }
}
