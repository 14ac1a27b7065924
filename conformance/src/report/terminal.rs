//! The live terminal view: one line per scenario as it finishes, failure details indented under
//! it, and a summary by level at the end.

use super::{RunReport, ScenarioResult, Verdict};
use std::io::{IsTerminal, Write};

/// `--color`: when the terminal view uses ANSI colours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colours on a terminal, unless `NO_COLOR` is set (non-empty); `CLICOLOR_FORCE` (non-empty,
    /// not `0`) forces them.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether to colour, given whether stderr is a terminal and the two variables' values.
    pub fn resolve(
        self,
        is_terminal: bool,
        no_color: Option<&str>,
        clicolor_force: Option<&str>,
    ) -> bool {
        let set = |v: Option<&str>| v.is_some_and(|v| !v.is_empty());
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto if set(no_color) => false,
            ColorChoice::Auto if set(clicolor_force) && clicolor_force != Some("0") => true,
            ColorChoice::Auto => is_terminal,
        }
    }

    /// [`ColorChoice::resolve`] for this process's stderr and environment.
    pub fn for_stderr(self) -> bool {
        let var = |n| std::env::var(n).ok();
        self.resolve(
            std::io::stderr().is_terminal(),
            var("NO_COLOR").as_deref(),
            var("CLICOLOR_FORCE").as_deref(),
        )
    }
}

/// Writes progress lines to stderr.
pub struct Terminal {
    total: usize,
    done: usize,
    color: bool,
    verbose: bool,
    quiet: bool,
    failures_only: bool,
}

impl Terminal {
    /// A view for `total` scenarios; colours only on a terminal and without `NO_COLOR`.
    pub fn new(total: usize, verbose: bool) -> Self {
        Self::configured(total, verbose, ColorChoice::Auto.for_stderr(), false)
    }

    /// A view with explicit colouring; `failures_only` (`--quiet`) prints failing scenarios and
    /// the summary only.
    pub fn configured(total: usize, verbose: bool, color: bool, failures_only: bool) -> Self {
        Terminal {
            total,
            done: 0,
            color,
            verbose,
            quiet: false,
            failures_only,
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
            failures_only: false,
        }
    }

    /// Prints a header line.
    pub fn header(&self, text: &str) {
        if self.quiet || self.failures_only {
            return;
        }
        eprintln!("{text}");
    }

    /// Prints one finished scenario.
    pub fn scenario(&mut self, r: &ScenarioResult) {
        self.done += 1;
        let failed = matches!(r.verdict, Verdict::Fail | Verdict::UnexpectedPass);
        if self.quiet || (self.failures_only && !failed) {
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
        if failed || (self.verbose && r.verdict == Verdict::ExpectedFail) {
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

/// Paints the verdict words of a summary (`passed`, `failed`, …) when colouring.
pub fn paint_summary(text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    text.replace(
        "every MUST scenario passed",
        "\x1b[32;1mevery MUST scenario passed\x1b[0m",
    )
    .replace(
        "MUST scenarios failed",
        "\x1b[31;1mMUST scenarios failed\x1b[0m",
    )
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

#[cfg(test)]
mod tests {
    use super::ColorChoice::{self, *};

    fn auto(tty: bool, no_color: Option<&str>, force: Option<&str>) -> bool {
        ColorChoice::Auto.resolve(tty, no_color, force)
    }

    #[test]
    fn auto_colours_a_terminal_only() {
        assert!(auto(true, None, None), "a terminal gets colours");
        assert!(!auto(false, None, None), "a pipe gets none");
    }

    #[test]
    fn no_color_turns_auto_off_even_when_forced() {
        assert!(!auto(true, Some("1"), None));
        assert!(
            !auto(true, Some("1"), Some("1")),
            "NO_COLOR wins over CLICOLOR_FORCE"
        );
        assert!(
            auto(true, Some(""), None),
            "an empty NO_COLOR counts as unset"
        );
    }

    #[test]
    fn clicolor_force_colours_a_pipe_unless_zero() {
        assert!(auto(false, None, Some("1")));
        assert!(!auto(false, None, Some("0")));
    }

    #[test]
    fn always_and_never_ignore_the_environment() {
        assert!(Always.resolve(false, Some("1"), None));
        assert!(!Never.resolve(true, None, Some("1")));
    }
}
