//! `latchgate-conformance`: the conformance runner for LatchGate SDKs and gates.
//!
//! * [`catalogue`] — scenario metadata (data files) and selection.
//! * [`gate`] — the gate suite: crafted requests judged against the gate protocol.
//! * [`sdk`] — the SDK suite: an SDK driven through a [`driver`], judged on the wire (the tap's
//!   journal) and on the outcome it reports.
//! * [`target`] — the gate under test: the in-process mock, a URL, a Unix socket.
//! * [`report`] — terminal, JSON, JUnit and HTML output; [`runner`] ties it together; [`cli`] is
//!   the command line ([`commands`]: `explain`, `report`).
//! * [`contract`] — the requirement behind every catalogue ref, with causes and fixes.

pub mod catalogue;
pub mod check;
pub mod cli;
pub mod commands;
pub mod contract;
pub mod driver;
pub mod expected;
pub mod gate;
pub mod http;
pub mod report;
pub mod runner;
pub mod sdk;
pub mod target;
