//! The live terminal view: one line per scenario as it finishes, failure details indented under
//! it, and a summary by level at the end.

use super::{RunReport, ScenarioResult, Verdict};
use std::io::{IsTerminal, Write};

/// Writes progress lines to stderr.
pub struct Terminal {
    total: usize,
    done: usize,
    color: bool,
    verbose: bool,
    quiet: bool,
}

impl Terminal {
    /// A view for `total` scenarios; colours only on a terminal and without `NO_COLOR`.
    pub fn new(total: usize, verbose: bool) -> Self {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Terminal {
            total,
            done: 0,
            color,
            verbose,
            quiet: false,
        }
    }

    /// A view that prints nothing (library use, tests).
    pub fn quiet(total: usize) -> Self {
        Terminal {
            total,
            done: 0,
            color: false,
            verbose: false,
            quiet: true,
        }
    }

    /// Prints a header line.
    pub fn header(&self, text: &str) {
        eprintln!("{text}");
    }

    /// Prints one finished scenario.
    pub fn scenario(&mut self, r: &ScenarioResult) {
        self.done += 1;
        if self.quiet {
            return;
        }
        let width = self.total.to_string().len();
        let label = self.paint(r.verdict);
        let mut line = format!(
            "[{:>width$}/{}] {label} {:<6} {:<4} {}  {} ms",
            self.done,
            self.total,
            r.level.as_str(),
            r.suite.as_str(),
            r.id,
            r.duration_ms,
        );
        if r.verdict == Verdict::Skip {
            if let Some(reason) = &r.reason {
                line.push_str(&format!("  ({reason})"));
            }
        }
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
        if matches!(r.verdict, Verdict::Fail | Verdict::UnexpectedPass)
            || (self.verbose && r.verdict == Verdict::ExpectedFail)
        {
            let _ = writeln!(err, "{}", indent(&failure_text(r), 6));
        }
    }

    fn paint(&self, v: Verdict) -> String {
        let label = format!("{:<5}", v.label());
        if !self.color {
            return label;
        }
        let code = match v {
            Verdict::Pass => "32",
            Verdict::Fail => "31;1",
            Verdict::Skip => "33",
            Verdict::ExpectedFail => "35",
            Verdict::UnexpectedPass => "36;1",
        };
        format!("\x1b[{code}m{label}\x1b[0m")
    }
}

/// The details of a failure as plain text.
pub fn failure_text(r: &ScenarioResult) -> String {
    let mut s = String::new();
    if r.verdict == Verdict::UnexpectedPass {
        s.push_str("listed in --expected-failures but passed: remove the entry\n");
    }
    if let Some(c) = &r.expected_failure_comment {
        s.push_str(&format!("expected failure: {c}\n"));
    }
    s.push_str(&format!("{}  [{}]\n", r.description, r.refs.join(", ")));
    if let Some(reason) = &r.reason {
        s.push_str(&format!("why: {reason}\n"));
    }
    if let Some(e) = &r.evidence {
        if let Some(x) = &e.expected {
            s.push_str(&format!("expected: {x}\n"));
        }
        if let Some(a) = &e.actual {
            s.push_str(&format!("actual:   {a}\n"));
        }
        for ex in &e.excerpts {
            s.push_str(ex);
            s.push('\n');
        }
    }
    s.trim_end().to_string()
}

fn indent(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    s.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The closing summary by level.
pub fn summary_text(report: &RunReport) -> String {
    let line = |name: &str, t: &super::Tally| {
        format!(
            "{name:<6} {:>4} passed  {:>3} failed  {:>3} skipped  {:>3} expected failures  {:>3} unexpected passes",
            t.pass, t.fail, t.skip, t.expected_fail, t.unexpected_pass
        )
    };
    let mut s = String::new();
    s.push_str(&line("MUST", &report.must));
    s.push('\n');
    s.push_str(&line("SHOULD", &report.should));
    s.push('\n');
    let failing: Vec<&str> = report
        .results
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
        .map(|r| r.id.as_str())
        .collect();
    if !failing.is_empty() {
        s.push_str(&format!("failed: {}\n", failing.join(" ")));
    }
    s.push_str(&format!(
        "{} in {:.2} s: {}",
        report.run.target,
        report.duration_ms as f64 / 1000.0,
        if report.conformant {
            "every MUST scenario passed"
        } else {
            "MUST scenarios failed"
        }
    ));
    s
}
