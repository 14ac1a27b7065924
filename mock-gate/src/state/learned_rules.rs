//! Learned domains and path globs with their provenance, as the gate's ledger tables
//! `learned_domains` / `learned_paths` hold them (one row per `(action_id, value)`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use globset::GlobSet;

/// How an entry was created (`source` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntrySource {
    /// Through `POST /v1/approvals/{id}/approve` (`learn_domain` / `learn_path` or auto-learn).
    Approval,
    /// Through the admin CRUD routes.
    Api,
}

impl EntrySource {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approval => "approval",
            Self::Api => "api",
        }
    }
}

/// One stored row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Action the entry belongs to.
    pub action_id: String,
    /// Domain or path glob as stored.
    pub value: String,
    /// Operator id.
    pub added_by: String,
    /// RFC 3339 insertion time.
    pub added_at: String,
    /// `approval` or `api`.
    pub source: &'static str,
    /// Approval that taught the entry.
    pub approval_id: Option<String>,
}

/// What to insert.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// Action id.
    pub action_id: &'a str,
    /// Value (already validated and normalized by the caller).
    pub value: &'a str,
    /// Operator id.
    pub added_by: &'a str,
    /// Provenance.
    pub source: EntrySource,
    /// Approval id for approval-taught entries.
    pub approval_id: Option<&'a str>,
    /// RFC 3339 now.
    pub added_at: String,
}

/// One action's values, sorted, with their globs compiled (`None` when one does not compile).
#[derive(Debug, Default)]
pub struct Learned {
    /// The values, as [`LearnedTable::values`] returns them.
    pub values: Vec<String>,
    /// The values as fs path globs.
    pub globs: Option<GlobSet>,
}

/// One table; rows in insertion order (SQLite's rowid order).
#[derive(Debug)]
pub struct LearnedTable {
    rows: Mutex<Vec<Entry>>,
    /// [`Learned`] per action, built on first use after a change (calls read it, edits are
    /// rare); emptied by every change of `rows`, under the `rows` lock.
    compiled: Mutex<HashMap<String, Arc<Learned>>>,
    max_per_action: Option<usize>,
    max_rows: usize,
}

impl Default for LearnedTable {
    fn default() -> Self {
        Self::new(None, crate::caps::Caps::default().learned_rows)
    }
}

impl LearnedTable {
    /// A table refusing inserts once an action holds `per_action` rows (when set) or the
    /// table holds `max_rows`.
    pub fn new(per_action: Option<usize>, max_rows: usize) -> Self {
        Self {
            rows: Mutex::default(),
            compiled: Mutex::default(),
            max_per_action: per_action,
            max_rows,
        }
    }

    /// A table refusing inserts once an action holds `cap` rows.
    #[cfg(test)]
    pub fn with_cap(cap: usize) -> Self {
        Self::new(Some(cap), crate::caps::Caps::default().learned_rows)
    }

    /// `INSERT OR IGNORE`: true when a row was added. The cap is checked first, so even an
    /// already-present value fails on a full action (as the gate's count-then-insert does).
    pub fn insert(&self, e: NewEntry<'_>) -> Result<bool, String> {
        let mut rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cap) = self.max_per_action {
            let count = rows.iter().filter(|r| r.action_id == e.action_id).count();
            if count >= cap {
                return Err(format!(
                    "action '{}' already has {count} learned entries (limit: {cap}) — widen the static allowlist in the manifest instead",
                    e.action_id
                ));
            }
        }
        if rows
            .iter()
            .any(|r| r.action_id == e.action_id && r.value == e.value)
        {
            return Ok(false);
        }
        if rows.len() >= self.max_rows {
            return Err(format!(
                "learned table full ({} rows, the mock's limit) — clear entries or raise caps.learned_rows",
                rows.len()
            ));
        }
        self.changed();
        rows.push(Entry {
            action_id: e.action_id.to_string(),
            value: e.value.to_string(),
            added_by: e.added_by.to_string(),
            added_at: e.added_at,
            source: e.source.as_str(),
            approval_id: e.approval_id.map(str::to_string),
        });
        Ok(true)
    }

    /// Deletes the exact `(action_id, value)` row (no normalization); true when one existed.
    pub fn delete(&self, action_id: &str, value: &str) -> bool {
        let mut rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        let before = rows.len();
        rows.retain(|r| !(r.action_id == action_id && r.value == value));
        self.changed();
        rows.len() != before
    }

    /// Deletes every row of an action; the number deleted.
    pub fn clear_action(&self, action_id: &str) -> usize {
        let mut rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        let before = rows.len();
        rows.retain(|r| r.action_id != action_id);
        self.changed();
        before - rows.len()
    }

    /// Rows ordered as the gate selects them: filtered by `added_at`, unfiltered by
    /// `action_id, added_at` (ties in insertion order, as SQLite returns them by rowid: the
    /// sort is stable).
    pub fn list(&self, action_id: Option<&str>) -> Vec<Entry> {
        let rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<Entry> = rows
            .iter()
            .filter(|r| action_id.is_none_or(|a| r.action_id == a))
            .cloned()
            .collect();
        out.sort_by(|a, b| {
            a.action_id
                .cmp(&b.action_id)
                .then_with(|| a.added_at.cmp(&b.added_at))
        });
        out
    }

    /// Values of one action (what the pipeline merges into the manifest allowlists).
    pub fn values(&self, action_id: &str) -> Vec<String> {
        let rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        values_of(&rows, action_id)
    }

    /// Values of one action and their compiled globs, shared until the table changes.
    pub fn learned(&self, action_id: &str) -> Arc<Learned> {
        let rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        let mut compiled = self.compiled.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(l) = compiled.get(action_id) {
            return Arc::clone(l);
        }
        let values = values_of(&rows, action_id);
        let globs = crate::actions::globs::compile(&values).ok();
        let l = Arc::new(Learned { values, globs });
        compiled.insert(action_id.to_string(), Arc::clone(&l));
        l
    }

    /// Empties the table.
    pub fn clear(&self) {
        let mut rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        rows.clear();
        self.changed();
    }

    /// Forgets the compiled values (called with the `rows` lock held).
    fn changed(&self) {
        self.compiled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

fn values_of(rows: &[Entry], action_id: &str) -> Vec<String> {
    let mut v: Vec<String> = rows
        .iter()
        .filter(|r| r.action_id == action_id)
        .map(|r| r.value.clone())
        .collect();
    v.sort();
    v
}

/// The gate's per-action cap on learned path globs.
pub const MAX_LEARNED_PATHS_PER_ACTION: usize = 50;

/// Which of the two tables an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LearnedKind {
    /// An egress domain (`learned_domains`).
    Domain,
    /// A filesystem path glob (`learned_paths`).
    Path,
}

/// Both tables.
#[derive(Debug)]
pub struct LearnedStore {
    /// `learned_domains` (no cap).
    pub domains: LearnedTable,
    /// `learned_paths` (50 per action).
    pub paths: LearnedTable,
}

impl LearnedStore {
    /// Both tables, each holding at most `max_rows` rows.
    pub fn new(max_rows: usize) -> Self {
        Self {
            domains: LearnedTable::new(None, max_rows),
            paths: LearnedTable::new(Some(MAX_LEARNED_PATHS_PER_ACTION), max_rows),
        }
    }

    /// The table of `kind`.
    pub fn table(&self, kind: LearnedKind) -> &LearnedTable {
        match kind {
            LearnedKind::Domain => &self.domains,
            LearnedKind::Path => &self.paths,
        }
    }

    /// Empties both tables (the start state of every gate).
    pub fn clear(&self) {
        self.domains.clear();
        self.paths.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(action_id: &'a str, value: &'a str, at: &'a str) -> NewEntry<'a> {
        NewEntry {
            action_id,
            value,
            added_by: "default",
            source: EntrySource::Api,
            approval_id: None,
            added_at: at.to_string(),
        }
    }

    /// A default table holding each `(action_id, value, added_at)` row, inserted in order.
    fn table_with(rows: &[(&str, &str, &str)]) -> LearnedTable {
        let t = LearnedTable::default();
        for &(action_id, value, at) in rows {
            t.insert(row(action_id, value, at)).unwrap();
        }
        t
    }

    #[test]
    fn second_insert_of_the_same_pair_is_ignored() {
        let t = LearnedTable::default();
        assert_eq!(t.insert(row("a", "x.example.com", "1")), Ok(true));
        assert_eq!(t.insert(row("a", "x.example.com", "2")), Ok(false));
        assert_eq!(t.list(None)[0].added_at, "1", "the first row is kept");
    }

    #[test]
    fn unfiltered_list_orders_by_action_then_time() {
        let t = table_with(&[("b", "1", "t1"), ("a", "2", "t2"), ("a", "3", "t0")]);
        let order: Vec<String> = t.list(None).into_iter().map(|e| e.value).collect();
        assert_eq!(order, ["3", "2", "1"]);
    }

    #[test]
    fn cap_refuses_even_a_present_value() {
        let t = LearnedTable::with_cap(1);
        t.insert(row("a", "src/**", "1")).unwrap();
        let err = t.insert(row("a", "src/**", "2")).unwrap_err();
        assert!(err.contains("(limit: 1)"), "{err}");
    }

    #[test]
    fn full_table_refuses_a_new_row_but_ignores_a_present_one() {
        let t = LearnedTable::new(None, 1);
        t.insert(row("a", "x.example.com", "1")).unwrap();
        assert_eq!(t.insert(row("a", "x.example.com", "2")), Ok(false));
        let err = t.insert(row("b", "y.example.com", "3")).unwrap_err();
        assert!(err.contains("learned table full"), "{err}");
    }

    #[test]
    fn learned_values_follow_an_insert_made_after_they_were_read() {
        let t = LearnedTable::default();
        t.insert(row("a", "src/**", "1")).unwrap();
        assert_eq!(t.learned("a").values, ["src/**"]);
        t.insert(row("a", "docs/**", "2")).unwrap();
        let l = t.learned("a");
        assert_eq!(
            l.values,
            ["docs/**", "src/**"],
            "stale values after an insert"
        );
        assert!(
            l.globs.as_ref().is_some_and(|g| g.is_match("docs/x")),
            "stale globs"
        );
    }

    #[test]
    fn clear_action_counts_only_that_action() {
        let t = table_with(&[("a", "1", "t"), ("a", "2", "t"), ("b", "1", "t")]);
        assert_eq!(t.clear_action("a"), 2);
        assert_eq!(t.values("b"), ["1"]);
    }
}
