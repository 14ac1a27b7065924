//! The `latchgate-mock` binary: a command without the environment that changes its defaults,
//! and a `serve` process whose ready line has been read.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};

use serde_json::Value;

/// The variables the binary reads for defaults a test must not inherit.
const DEFAULTS_FROM_ENV: [&str; 3] = [
    "LATCHGATE_PUBLIC_BASE_URL",
    "LATCHGATE_MOCK_CONTROL_TOKEN",
    "LATCHGATE_MOCK_CONTROL_OPEN",
];

/// `latchgate-mock` with `args`, none of [`DEFAULTS_FROM_ENV`] inherited.
pub fn mock_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_latchgate-mock"));
    cmd.args(args);
    for k in DEFAULTS_FROM_ENV {
        cmd.env_remove(k);
    }
    cmd
}

/// A running `latchgate-mock serve`, killed when dropped.
pub struct Served {
    child: Child,
    /// The ready line as printed.
    pub line: String,
    /// The ready line, parsed.
    pub ready: Value,
}

impl Served {
    /// `latchgate-mock serve <args>` with `env` set; returns once the ready line is read.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut cmd = mock_command(&["serve"]);
        cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("latchgate-mock serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("ready line {line:?} is not JSON: {e}"));
        Self { child, line, ready }
    }

    /// `serve` on ephemeral loopback ports for both listeners, then `args`.
    pub fn on_loopback(args: &[&str], env: &[(&str, &str)]) -> Self {
        let ports = ["--http", "127.0.0.1:0", "--admin-http", "127.0.0.1:0"];
        Self::start(&[&ports[..], args].concat(), env)
    }

    /// A string member of the ready line.
    pub fn ready_str(&self, pointer: &str) -> &str {
        self.ready
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no string {pointer} in the ready line {}", self.line))
    }

    /// Sends `signal` and waits for the exit.
    pub fn stop_with(&mut self, signal: libc::c_int) -> ExitStatus {
        // SAFETY: kill only sends a signal to a pid we started and have not yet waited for; no
        // memory is touched.
        unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        self.child.wait().unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
