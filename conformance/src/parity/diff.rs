//! Comparing two normalized exchanges: status, compared headers, body structure (JSON as a
//! value), body bytes (member order, compactness), and the request itself (a request that differs
//! means the two sequences went apart). Differences render as a readable unified diff.

use super::exchange::{NormExchange, NormResponse};
use super::node::Node;
use similar::TextDiff;

/// One aspect in which two exchanges differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// `request`, `status`, `header <name>`, `body`, `body bytes`, `answer`.
    pub aspect: String,
    /// A readable rendering (values or a unified diff).
    pub detail: String,
}

/// The differences of exchange `a` (left) and `b` (right); empty when equal.
pub fn compare(a: &NormExchange, b: &NormExchange) -> Vec<Difference> {
    let mut out = Vec::new();
    if a.request != b.request || a.listener != b.listener {
        out.push(Difference {
            aspect: "request".into(),
            detail: unified(
                &serde_json::to_string_pretty(&a.request).unwrap_or_default(),
                &serde_json::to_string_pretty(&b.request).unwrap_or_default(),
            ),
        });
    }
    match (&a.response, &b.response) {
        (
            NormResponse::Http {
                status: sa,
                headers: ha,
                body_kind: ka,
                body: ba,
                compact_bytes: ca,
            },
            NormResponse::Http {
                status: sb,
                headers: hb,
                body_kind: kb,
                body: bb,
                compact_bytes: cb,
            },
        ) => {
            if sa != sb {
                out.push(pair("status", sa, sb));
            }
            for name in ha.keys().chain(hb.keys().filter(|k| !ha.contains_key(*k))) {
                let (va, vb) = (ha.get(name), hb.get(name));
                if va != vb {
                    out.push(pair(&format!("header {name}"), &show(va), &show(vb)));
                }
            }
            out.extend(bodies((ka, ba, *ca), (kb, bb, *cb)));
        }
        (ra, rb) if ra != rb => out.push(Difference {
            aspect: "answer".into(),
            detail: unified(&answer_text(ra), &answer_text(rb)),
        }),
        _ => {}
    }
    out
}

fn show(v: Option<&String>) -> String {
    v.map_or_else(|| "<absent>".to_string(), |s| format!("{s:?}"))
}

fn pair(aspect: &str, a: &dyn std::fmt::Display, b: &dyn std::fmt::Display) -> Difference {
    Difference {
        aspect: aspect.into(),
        detail: format!("- {a}\n+ {b}\n"),
    }
}

fn answer_text(r: &NormResponse) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}

fn bodies(a: (&String, &String, bool), b: (&String, &String, bool)) -> Vec<Difference> {
    let (ka, ba, ca) = a;
    let (kb, bb, cb) = b;
    if ka == "json" && kb == "json" {
        let (na, nb) = (Node::parse(ba.as_bytes()), Node::parse(bb.as_bytes()));
        if let (Some(na), Some(nb)) = (na, nb) {
            if na.to_value() != nb.to_value() {
                return vec![Difference {
                    aspect: "body".into(),
                    detail: unified(&na.pretty(), &nb.pretty()),
                }];
            }
            let mut out = Vec::new();
            if ba != bb {
                out.push(Difference {
                    aspect: "body bytes".into(),
                    detail: format!(
                        "same JSON value, different member order:\n{}",
                        unified(&na.pretty(), &nb.pretty())
                    ),
                });
            }
            if ca != cb {
                out.push(pair("body bytes compact", &ca, &cb));
            }
            return out;
        }
    }
    if ka != kb || ba != bb {
        return vec![Difference {
            aspect: "body".into(),
            detail: unified(&format!("({ka})\n{ba}"), &format!("({kb})\n{bb}")),
        }];
    }
    Vec::new()
}

/// A unified line diff, `-` for the left side, `+` for the right.
pub fn unified(a: &str, b: &str) -> String {
    let a = ensure_newline(a);
    let b = ensure_newline(b);
    TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header("a", "b")
        .to_string()
}

fn ensure_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

/// A report block for one differing exchange.
pub fn render(a: &NormExchange, diffs: &[Difference]) -> String {
    let mut s = format!(
        "✗ {}  {} {} ({})\n",
        a.id, a.request.method, a.request.target, a.listener
    );
    for d in diffs {
        s.push_str(&format!("  {}:\n", d.aspect));
        for line in d.detail.lines() {
            s.push_str(&format!("    {line}\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parity::exchange::NormRequest;
    use std::collections::BTreeMap;

    fn ex(status: u16, body: &str) -> NormExchange {
        NormExchange {
            id: "t/0".into(),
            listener: "client".into(),
            request: NormRequest {
                method: "GET".into(),
                target: "/x".into(),
                headers: vec![],
                body: String::new(),
            },
            response: NormResponse::Http {
                status,
                headers: BTreeMap::new(),
                body_kind: "json".into(),
                body: body.into(),
                compact_bytes: true,
            },
            lax: vec![],
        }
    }

    #[test]
    fn equal_exchanges_have_no_difference() {
        assert!(compare(&ex(200, r#"{"a":1}"#), &ex(200, r#"{"a":1}"#)).is_empty());
    }

    #[test]
    fn a_status_difference_is_reported() {
        let d = compare(&ex(200, "{}"), &ex(202, "{}"));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].aspect, "status");
    }

    #[test]
    fn member_order_is_a_bytes_difference_not_a_value_difference() {
        let d = compare(&ex(200, r#"{"a":1,"b":2}"#), &ex(200, r#"{"b":2,"a":1}"#));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].aspect, "body bytes");
    }

    #[test]
    fn a_value_difference_renders_a_unified_diff() {
        let d = compare(
            &ex(200, r#"{"at":"<rfc3339 9 digits +00:00>"}"#),
            &ex(200, r#"{"at":"<rfc3339 3 digits +00:00>"}"#),
        );
        assert_eq!(d[0].aspect, "body");
        assert!(
            d[0].detail
                .contains("-  \"at\": \"<rfc3339 9 digits +00:00>\"")
                && d[0]
                    .detail
                    .contains("+  \"at\": \"<rfc3339 3 digits +00:00>\""),
            "{}",
            d[0].detail
        );
    }
}
