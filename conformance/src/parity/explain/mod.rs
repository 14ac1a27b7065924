//! `diff --deviations DIR`: each differing exchange sorted by a reviewed deviations file, as the
//! corpus replay sorts its differences, so a comparison with a real gate reports what no entry
//! explains.

use super::corpus::Deviations;
use super::{diff, replay::mask, Differing};

/// How one differing exchange stands against a deviations file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Explanation {
    /// A deliberate deviation explains it; the first cell of its parity-table row.
    Deviation(String),
    /// A known-open entry lists it.
    KnownOpen,
    /// No entry explains it.
    Unexplained,
}

impl Explanation {
    /// The label used in the text and JSON reports.
    pub fn label(&self) -> String {
        match self {
            Explanation::Deviation(row) => format!("deviation: {row}"),
            Explanation::KnownOpen => "known open".into(),
            Explanation::Unexplained => "unexplained".into(),
        }
    }
}

/// Sorts `d`: a whole-exchange deviation first, then the member deviations (the exchange is
/// explained when nothing differs once their members are masked on both sides), then known-open.
pub fn explain(d: &Differing, dev: &Deviations) -> Explanation {
    let id = d.a.id.as_str();
    if let Some(whole) = dev.whole(id) {
        return Explanation::Deviation(whole.parity_row.clone());
    }
    let entries = dev.member_entries(id);
    if let Some(first) = entries.first() {
        let members = dev.members_of(&entries);
        if diff::compare(&mask(&d.a, &members), &mask(&d.b, &members)).is_empty() {
            return Explanation::Deviation(dev.deviation[*first].parity_row.clone());
        }
    }
    if dev.is_known_open(id) {
        return Explanation::KnownOpen;
    }
    Explanation::Unexplained
}

#[cfg(test)]
mod tests;
