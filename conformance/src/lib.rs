//! `latchgate-conformance`: the conformance runner for LatchGate SDKs and gates.
//!
//! * [`catalogue`] — scenario metadata (data files) and selection.
//! * [`gate`] — the gate suite: crafted requests judged against the gate protocol.
//! * [`sdk`] — the SDK suite: an SDK driven through a [`driver`], judged on the wire (the tap's
//!   journal) and on the outcome it reports.
//! * [`target`] — the gate under test: the in-process mock, a URL, a Unix socket.
//! * [`pacing`] — lease requests paced under the gate's lease limiter, refusals retried.
//! * [`parity`] — `diff`, `record`, `replay`: two gates compared exchange by exchange, corpora.
//! * [`report`] — terminal, JSON, JUnit and HTML output; [`runner`] ties it together; `cli` is
//!   the command line (feature `cli`, a module per command); [`verdict`] holds the
//!   run-level conditions (no MUST ran, `--max-skips`, `--require`).
//! * [`contract`] — the requirement behind every catalogue ref, with causes and fixes.
//! * [`Run`] → [`Report`] — the library entry point ([`Report::assert_conformant`]);
//!   `harness` (feature `harness`) makes every scenario a test of your own `cargo test`.
//!
//! Features (all on by default): `cli` (the binary), `docker` (`docker:IMAGE` targets through
//! testcontainers), `python` (the bundled driver of the PyPI SDK), `harness` (libtest-mimic). An
//! SDK's test suite can take `default-features = false, features = ["harness"]`.
//! Unix only (Linux, macOS): gates are reached over Unix sockets too.

#![warn(missing_docs)]

// Unix sockets and peer credentials are part of the protocol surface; Windows is not supported.
#[cfg(not(unix))]
compile_error!("latchgate-conformance supports Unix-like systems only (Linux, macOS, the BSDs): it speaks to gates over Unix domain sockets. Windows is not supported.");

/// A table of scenario implementations, `registry![FnType; "ID" => module::function, …]`: a
/// `&[(id, module name, function)]`, so a test can check that each id's family names the module.
macro_rules! registry {
    ($ty:ty; $($id:literal => $module:ident :: $fun:ident,)*) => {
        &[$(($id, stringify!($module), $module::$fun as $ty)),*]
    };
}
pub(crate) use registry;

pub mod catalogue;
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub(crate) mod contract;
pub mod driver;
pub mod expected;
pub(crate) mod gate;
#[cfg(feature = "harness")]
pub mod harness;
pub mod http;
pub(crate) mod pacing;
pub mod parity;
pub(crate) mod quickstart;
pub mod report;
mod run;
pub mod runner;
pub(crate) mod sdk;
pub mod target;
// What `run` checks beyond the scenarios (`--max-skips`, `--require`): a CLI concern.
#[cfg(any(feature = "cli", test))]
pub(crate) mod verdict;

#[cfg(test)]
mod layout_tests;

pub use catalogue::{Level, Suite};
pub use run::{Report, Run, RunError};
