//! `latchgate-conformance`: the conformance runner for LatchGate SDKs and gates.
//!
//! * [`catalogue`] — scenario metadata (data files) and selection.
//! * [`gate`] — the gate suite: crafted requests judged against the gate protocol.
//! * [`sdk`] — the SDK suite: an SDK driven through a [`driver`], judged on the wire (the tap's
//!   journal) and on the outcome it reports.
//! * [`target`] — the gate under test: the in-process mock, a URL, a Unix socket.
//! * [`report`] — terminal, JSON and JUnit output; [`runner`] ties it together; [`cli`] is the
//!   command line; [`verdict`] holds the run-level conditions (no MUST ran, `--max-skips`,
//!   `--require`).

pub mod catalogue;
pub mod check;
pub mod cli;
pub mod driver;
pub mod expected;
pub mod gate;
pub mod http;
pub mod report;
pub mod runner;
pub mod sdk;
pub mod target;
pub mod verdict;
