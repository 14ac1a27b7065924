//! The one reading of the Python test switches, `#[path]`-included by every test crate of the
//! workspace that runs the published Python SDK:
//!
//! * `LATCHGATE_PYTHON`: interpreter of a venv holding PyPI `latchgate` 0.2.0 (made by
//!   `scripts/python-env.sh`); unset or empty → `target/py/latchgate-0.2.0/bin/python`.
//! * `LATCHGATE_REQUIRE_PYTHON`: on unless unset, empty, `0`, `false` or `no` ([`switch_on`], the
//!   reading of every `LATCHGATE_REQUIRE_*` switch: DOCKER, NODE, CHROMIUM too); when on, a
//!   missing interpreter fails the test instead of skipping it with a printed reason.

#![allow(dead_code)] // each including test crate uses its part

use std::path::{Path, PathBuf};

/// The switch that turns a missing Python SDK into a test failure.
pub const REQUIRE_PYTHON: &str = "LATCHGATE_REQUIRE_PYTHON";

/// Whether an on/off environment switch is on.
pub fn switch_on(name: &str) -> bool {
    std::env::var(name)
        .map(|v| !matches!(v.trim(), "" | "0" | "false" | "no"))
        .unwrap_or(false)
}

/// The interpreter, or `None` after printing why `test` is skipped; panics when it is missing
/// and `LATCHGATE_REQUIRE_PYTHON` is on. `workspace` is the repository root.
pub fn python_or_skip(workspace: &Path, test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("LATCHGATE_PYTHON")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target/py/latchgate-0.2.0/bin/python"));
    if path.is_file() {
        return Some(path);
    }
    let reason = format!(
        "{test}: no Python SDK interpreter at {} (run scripts/python-env.sh or set LATCHGATE_PYTHON)",
        path.display()
    );
    assert!(
        !switch_on(REQUIRE_PYTHON),
        "{reason}, and {REQUIRE_PYTHON} is on"
    );
    eprintln!("skipped: {reason}");
    None
}
