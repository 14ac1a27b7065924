use super::*;
use crate::parity::exchange::NormExchange;

fn exchange(id: &str, status: u16, body: &str) -> NormExchange {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "listener": "client",
        "request": {"method": "POST", "target": "/v1/actions/fs_read/execute"},
        "response": {"kind": "http", "status": status, "body_kind": "json", "body": body},
    }))
    .expect("exchange literal parses")
}

fn differing(id: &str, a: (u16, &str), b: (u16, &str)) -> Differing {
    let (a, b) = (exchange(id, a.0, a.1), exchange(id, b.0, b.1));
    let differences = diff::compare(&a, &b);
    assert!(!differences.is_empty(), "the literal pair must differ");
    Differing { a, b, differences }
}

fn deviations(toml_text: &str) -> Deviations {
    toml::from_str(toml_text).expect("deviations literal parses")
}

const FUEL: &str = r#"
[[deviation]]
exchanges = ["explore/*"]
members = ["runtime.fuel_consumed"]
parity_row = "providers"
reason = "no fuel"
"#;

#[test]
fn a_whole_exchange_deviation_explains_any_difference() {
    let d = differing("suite/metrics/2", (200, r#"{"a":1}"#), (422, r#"{"b":2}"#));
    let dev = deviations(
        "[[deviation]]\nexchanges = [\"suite/metrics/*\"]\nparity_row = \"metrics\"\nreason = \"r\"\n",
    );
    assert_eq!(explain(&d, &dev), Explanation::Deviation("metrics".into()));
}

/// An explored exchange whose sides differ in `runtime.fuel_consumed`, and in the status when
/// `a_status` is not 200.
fn fuel_difference(a_status: u16) -> Differing {
    differing(
        "explore/3.params/1.execute",
        (a_status, r#"{"runtime":{"fuel_consumed":21120}}"#),
        (200, r#"{"runtime":{"fuel_consumed":0}}"#),
    )
}

#[test]
fn a_member_deviation_explains_a_difference_only_in_its_members() {
    assert_eq!(
        explain(&fuel_difference(200), &deviations(FUEL)),
        Explanation::Deviation("providers".into())
    );
}

#[test]
fn a_member_deviation_leaves_a_difference_elsewhere_unexplained() {
    assert_eq!(
        explain(&fuel_difference(422), &deviations(FUEL)),
        Explanation::Unexplained
    );
}

#[test]
fn a_known_open_entry_marks_the_exchange_known_open() {
    let d = differing("suite/approval.list.pending/2", (200, "[1]"), (200, "[]"));
    let dev = deviations(
        "[[known-open]]\nexchanges = [\"suite/approval.list.pending/2\"]\nreason = \"r\"\n",
    );
    assert_eq!(explain(&d, &dev), Explanation::KnownOpen);
}

#[test]
fn an_exchange_no_entry_names_is_unexplained() {
    let d = differing("suite/exec.ok.body/1", (200, "{}"), (422, "{}"));
    assert_eq!(explain(&d, &deviations(FUEL)), Explanation::Unexplained);
}
