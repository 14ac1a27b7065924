//! The `latchgate-mock serve` process under test: start it, read its ready line, sample its RSS
//! and CPU time from `/proc`, stop it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `latchgate-mock serve`.
pub struct Served {
    child: Child,
    /// Client listener URL from the ready line.
    pub url: String,
}

impl Served {
    /// Starts the release binary on ephemeral loopback ports with rate limits off (the load is
    /// far above the real gate's per-session limits) and waits for its ready line.
    /// With `LOAD_SERVE_WRAPPER` set (a command and its arguments, split on whitespace), the
    /// binary runs under it, e.g. `valgrind --tool=callgrind` to count its instructions.
    pub fn start(extra: &[&str]) -> Result<Self, String> {
        let wrapper = std::env::var("LOAD_SERVE_WRAPPER").unwrap_or_default();
        let mut words = wrapper.split_whitespace();
        let binary = env!("CARGO_BIN_EXE_latchgate-mock");
        let mut command = match words.next() {
            Some(program) => {
                let mut c = Command::new(program);
                c.args(words).arg(binary);
                c
            }
            None => Command::new(binary),
        };
        let mut child = command
            .args([
                "serve",
                "--http",
                "127.0.0.1:0",
                "--admin-http",
                "127.0.0.1:0",
            ])
            .arg("--no-rate-limits")
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start latchgate-mock: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("reading the ready line: {e}"))?;
        let ready: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| format!("ready line {line:?} is not JSON: {e}"))?;
        let url = ready["url"]
            .as_str()
            .ok_or_else(|| format!("ready line without url: {line}"))?
            .to_string();
        Ok(Served { child, url })
    }

    /// Process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident set size in MiB (`VmRSS`).
    pub fn rss_mib(&self) -> f64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    }

    /// User + system CPU time of the process so far, in seconds.
    pub fn cpu_secs(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        (ticks(11) + ticks(12)) / hz
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        // SAFETY: kill with a pid we spawned and still own (not yet waited for).
        unsafe { libc::kill(self.pid() as libc::pid_t, libc::SIGTERM) };
    }

    /// Waits for the process to exit; its exit code.
    pub fn wait(mut self) -> Option<i32> {
        self.child.wait().ok().and_then(|s| s.code())
    }
}

impl Drop for Served {
    /// SIGTERM first, so that a wrapper such as valgrind writes its output; SIGKILL after 30 s.
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        self.terminate();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The 1-minute load average of the machine.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}
