//! Normalization rules: what differs between two gates by construction (keys, ids, times, ports)
//! becomes a placeholder that keeps the value's SHAPE (`<rfc3339 9 digits +00:00>`,
//! `<uuid v7>`, `<b64u 86>`), so a difference of shape still shows. Every rule has a name, is
//! listed in [`RULES`] and in conformance/README.md, and has its own unit test.

use super::node::Node;
use regex::{Captures, Regex};
use std::sync::LazyLock;

/// A named rule over strings (JSON string values, text bodies, header values, request targets).
pub struct Rule {
    /// The rule's name, as in the README.
    pub name: &'static str,
    /// What it replaces, and with what.
    pub doc: &'static str,
    apply: fn(&str) -> Option<String>,
}

/// Every string rule, in the order they are applied (context literals come first, see
/// [`Normalizer`]).
pub static RULES: [Rule; 11] = [
    Rule {
        name: "jwt",
        doc: "a compact JWS (eyJ….….…) → <jwt>, or <jwt 2 segments>",
        apply: jwt,
    },
    Rule {
        name: "rfc3339",
        doc: "an RFC 3339 time → <rfc3339 N digits OFFSET>, N = fractional digits (6 counts as 9: chrono's AutoSi prints a nanosecond instant on a whole microsecond as .123456), OFFSET as written",
        apply: rfc3339,
    },
    Rule {
        name: "uuid",
        doc: "a hyphenated UUID → <uuid vN> (N = its version digit)",
        apply: uuid,
    },
    Rule {
        name: "sha256-digest",
        doc: "sha256:<64 hex> → <sha256:hex>",
        apply: sha256_digest,
    },
    Rule {
        name: "hex-run",
        doc: "a run of 32 or more lower-case hex digits (hashes, simple uuids) → <hex N>",
        apply: hex_run,
    },
    Rule {
        name: "b64url-blob",
        doc: "a base64url run of 40+ characters with upper- and lower-case letters (signatures, thumbprints, key coordinates) → <b64u N>",
        apply: b64url_blob,
    },
    Rule {
        name: "host-port",
        doc: "127.0.0.1:PORT, localhost:PORT, [::1]:PORT → <host:port>",
        apply: host_port,
    },
    Rule {
        name: "json-error-position",
        doc: "`at line N column M` of a JSON parser message → `at line N column <n>` (M counts side-specific bytes such as the htu's port)",
        apply: json_error_position,
    },
    Rule {
        name: UNIX_TIME_RULE,
        doc: "Unix seconds written in text (10 digits, 2017–2096, e.g. in an `iat too old` reason) → <unix s>; as JSON numbers see below",
        apply: unix_in_text,
    },
    Rule {
        name: "metric-sample",
        doc: "the value of a Prometheus sample line `name{labels} VALUE` → <n> (names and labels stay)",
        apply: metric_sample,
    },
    Rule {
        name: "metric-order",
        doc: "the sample lines of each metric family of a Prometheus exposition, sorted (prometheus-client writes a family's label sets in its hash map's order, which differs from process to process); families, `# HELP` and `# TYPE` lines keep their places",
        apply: metric_order,
    },
];

/// Number rule `unix-time`: an integer in the range of Unix seconds (2017–2096) → `<unix s>`,
/// of Unix milliseconds → `<unix ms>`.
pub const UNIX_TIME_RULE: &str = "unix-time";
/// Member rule `duration`: a number under a member named `uptime_seconds`, `duration_ms`,
/// `elapsed_ms` or ending in `_ms` → `<duration>`.
pub const DURATION_RULE: &str = "duration";
/// Member rule `key-id`: a string under a member naming a key (`kid`, `signing_key_id`,
/// `key_id`, `jkt`, `dpop_jkt`) → `<key-id N>` (N = its length).
pub const KEY_ID_RULE: &str = "key-id";
const KEY_ID_MEMBERS: [&str; 5] = ["kid", "signing_key_id", "key_id", "jkt", "dpop_jkt"];
/// Member rule `history-count`: a number under a member that counts the gate's whole history
/// (`total_events`, `verified_links`, `pending_approvals`) → `<count>`: a long-lived gate and a
/// fresh one differ there by construction.
pub const HISTORY_COUNT_RULE: &str = "history-count";
const HISTORY_MEMBERS: [&str; 3] = ["total_events", "verified_links", "pending_approvals"];
/// Member rule `policy-revision`: the edit counter of a `policy_version` (`quickstart-init-4`)
/// → `<rev>`, and a version without one gets `<rev>` too: the counter counts the gate's whole
/// edit history (a long-lived gate and a fresh one differ there by construction).
pub const POLICY_REVISION_RULE: &str = "policy-revision";
/// Context rule `context-literal`: the side's own base URLs, fs root and the case nonce →
/// `<base>`, `<admin>`, `<fs_root>`, `<nonce>`.
pub const CONTEXT_RULE: &str = "context-literal";

fn re(p: &str) -> Regex {
    Regex::new(p).expect("rule pattern compiles")
}

fn replace(r: &Regex, s: &str, f: impl Fn(&Captures) -> String) -> Option<String> {
    r.is_match(s)
        .then(|| r.replace_all(s, |c: &Captures| f(c)).into_owned())
}

fn jwt(s: &str) -> Option<String> {
    static R: LazyLock<Regex> =
        LazyLock::new(|| re(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*)?"));
    replace(&R, s, |c| match c.get(1) {
        Some(_) => "<jwt>".into(),
        None => "<jwt 2 segments>".into(),
    })
}

fn rfc3339(s: &str) -> Option<String> {
    static R: LazyLock<Regex> = LazyLock::new(|| {
        re(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|z|[+-]\d{2}:\d{2})")
    });
    replace(&R, s, |c| {
        format!(
            "<rfc3339 {} digits {}>",
            fraction_digits(c.get(1).map_or("", |m| m.as_str())),
            &c[2]
        )
    })
}

/// The digits of `.fraction`, with 6 counted as 9: the gate prints nanosecond times with chrono's
/// AutoSi, which writes the one instant in a thousand that falls on a whole microsecond with 6
/// digits (`.123456000` as `.123456`). 3 against 9 still shows.
fn fraction_digits(fraction: &str) -> usize {
    match fraction.trim_start_matches('.').len() {
        6 => 9,
        n => n,
    }
}

fn uuid(s: &str) -> Option<String> {
    static R: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-([0-9a-fA-F])[0-9a-fA-F]{3}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        )
    });
    replace(&R, s, |c| format!("<uuid v{}>", &c[1]))
}

fn sha256_digest(s: &str) -> Option<String> {
    static R: LazyLock<Regex> = LazyLock::new(|| re(r"sha256:[0-9a-f]{64}"));
    replace(&R, s, |_| "<sha256:hex>".into())
}

fn hex_run(s: &str) -> Option<String> {
    static R: LazyLock<Regex> = LazyLock::new(|| re(r"\b[0-9a-f]{32,}\b"));
    replace(&R, s, |c| format!("<hex {}>", c[0].len()))
}

fn b64url_blob(s: &str) -> Option<String> {
    static R: LazyLock<Regex> = LazyLock::new(|| re(r"[A-Za-z0-9_-]{40,}"));
    let mixed = |t: &str| {
        t.bytes().any(|b| b.is_ascii_uppercase()) && t.bytes().any(|b| b.is_ascii_lowercase())
    };
    R.find_iter(s).any(|m| mixed(m.as_str())).then(|| {
        R.replace_all(s, |c: &Captures| {
            if mixed(&c[0]) {
                format!("<b64u {}>", c[0].len())
            } else {
                c[0].to_string()
            }
        })
        .into_owned()
    })
}

fn host_port(s: &str) -> Option<String> {
    static R: LazyLock<Regex> =
        LazyLock::new(|| re(r"(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0):\d{1,5}"));
    replace(&R, s, |_| "<host:port>".into())
}

fn json_error_position(s: &str) -> Option<String> {
    static R: LazyLock<Regex> = LazyLock::new(|| re(r"at line (\d+) column \d+"));
    replace(&R, s, |c| format!("at line {} column <n>", &c[1]))
}

fn unix_in_text(s: &str) -> Option<String> {
    static R: LazyLock<Regex> = LazyLock::new(|| re(r"\b(1[5-9]|[23]\d)\d{8}\b"));
    replace(&R, s, |_| "<unix s>".into())
}

fn metric_sample(s: &str) -> Option<String> {
    static R: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}\n]*\})?) [-+0-9.eE]+(?:NaN|Inf)?( \d+)?$")
    });
    replace(&R, s, |c| format!("{} <n>", &c[1]))
}

fn metric_order(s: &str) -> Option<String> {
    if !s.starts_with("# HELP ") && !s.starts_with("# TYPE ") {
        return None;
    }
    let mut lines: Vec<&str> = Vec::new();
    let mut samples: Vec<&str> = Vec::new();
    for line in s.split('\n') {
        if line.starts_with('#') || line.is_empty() {
            samples.sort_unstable();
            lines.append(&mut samples);
            lines.push(line);
        } else {
            samples.push(line);
        }
    }
    samples.sort_unstable();
    lines.append(&mut samples);
    let sorted = lines.join("\n");
    (sorted != s).then_some(sorted)
}

/// Applies the rules with the context literals of one side.
#[derive(Clone, Debug, Default)]
pub struct Normalizer {
    literals: Vec<(String, String)>,
}

impl Normalizer {
    /// A normalizer replacing each `(literal, placeholder)` first (longest literal first).
    pub fn new(mut literals: Vec<(String, String)>) -> Self {
        literals.retain(|(l, _)| !l.is_empty());
        literals.sort_by_key(|l| std::cmp::Reverse(l.0.len()));
        Normalizer { literals }
    }

    /// A string with every rule applied.
    pub fn text(&self, s: &str) -> String {
        let mut out = s.to_string();
        for (lit, ph) in &self.literals {
            if out.contains(lit.as_str()) {
                out = out.replace(lit.as_str(), ph);
            }
        }
        for rule in &RULES {
            if let Some(n) = (rule.apply)(&out) {
                out = n;
            }
        }
        out
    }

    /// A JSON value with every rule applied (member names are kept, except ids used as keys).
    pub fn node(&self, n: &Node) -> Node {
        self.node_under(n, "")
    }

    fn node_under(&self, n: &Node, member: &str) -> Node {
        match n {
            Node::Str(s) if KEY_ID_MEMBERS.contains(&member) => {
                Node::Str(format!("<key-id {}>", s.chars().count()))
            }
            Node::Str(s) if member == "policy_version" => Node::Str(policy_revision(&self.text(s))),
            Node::Str(s) => Node::Str(self.text(s)),
            Node::Num(x) => number(x, member).map_or_else(|| n.clone(), Node::Str),
            Node::Arr(a) => Node::Arr(a.iter().map(|v| self.node_under(v, member)).collect()),
            Node::Obj(m) => Node::Obj(
                m.iter()
                    .map(|(k, v)| (self.text(k), self.node_under(v, k)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

fn policy_revision(s: &str) -> String {
    static R: LazyLock<Regex> = LazyLock::new(|| re(r"(-\d+)?$"));
    R.replace(s, "<rev>").into_owned()
}

fn number(x: &serde_json::Number, member: &str) -> Option<String> {
    if HISTORY_MEMBERS.contains(&member) {
        return Some("<count>".into());
    }
    if member == "uptime_seconds" || member.ends_with("_ms") || member.starts_with("duration") {
        return Some("<duration>".into());
    }
    let v = x.as_i64()?;
    match v {
        1_500_000_000..=4_000_000_000 => Some("<unix s>".into()),
        1_500_000_000_000..=4_000_000_000_000 => Some("<unix ms>".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
