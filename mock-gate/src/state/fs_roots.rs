//! Per-session filesystem roots accepted at lease issue. As the gate, a root is forgotten once
//! its lease has been expired for [`EVICTION_GRACE_SECS`] (the session then falls back to the
//! gate's root, as after the gate's eviction). Bounded: when the store is full of live
//! sessions, a new lease asking for an `fs_root` is refused rather than dropping a live
//! session's root (which would silently move that session to the gate's root).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Seconds a root outlives its lease's expiry (the gate's `SESSION_FS_ROOT_EVICTION_GRACE_SECS`).
pub const EVICTION_GRACE_SECS: i64 = 60;

#[derive(Debug)]
struct Stored {
    root: PathBuf,
    /// Virtual time (Unix ms) from which the root is forgotten.
    evict_at_ms: i64,
}

/// The store is full of live sessions' roots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

/// session id → root, bounded.
#[derive(Debug)]
pub struct SessionFsRoots {
    by_session: Mutex<HashMap<String, Stored>>,
    capacity: usize,
}

impl SessionFsRoots {
    /// An empty store of at most `capacity` roots.
    pub fn new(capacity: usize) -> Self {
        Self {
            by_session: Mutex::default(),
            capacity,
        }
    }

    /// Stores the root of a session whose lease expires at `lease_exp_ms`; when full, forgets
    /// the evictable roots first, then refuses.
    pub fn insert(
        &self,
        session_id: &str,
        root: &Path,
        lease_exp_ms: i64,
        now_ms: i64,
    ) -> Result<(), Full> {
        let mut m = self.by_session.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() >= self.capacity && !m.contains_key(session_id) {
            m.retain(|_, s| s.evict_at_ms > now_ms);
            if m.len() >= self.capacity {
                return Err(Full);
            }
        }
        let evict_at_ms = lease_exp_ms.saturating_add(EVICTION_GRACE_SECS * 1000);
        m.insert(
            session_id.to_string(),
            Stored {
                root: root.to_path_buf(),
                evict_at_ms,
            },
        );
        Ok(())
    }

    /// The session's root, unless none was stored or it was evicted by `now_ms`.
    pub fn get(&self, session_id: &str, now_ms: i64) -> Option<PathBuf> {
        let m = self.by_session.lock().unwrap_or_else(|e| e.into_inner());
        m.get(session_id)
            .filter(|s| s.evict_at_ms > now_ms)
            .map(|s| s.root.clone())
    }

    /// Forgets every root.
    pub fn clear(&self) {
        self.by_session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Number of roots held (evictable ones count until a full store sweeps them).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "/srv/agent";

    #[test]
    fn a_root_is_forgotten_sixty_seconds_after_its_lease_expired() {
        let s = SessionFsRoots::new(4);
        s.insert("s1", Path::new(ROOT), 1_000, 0).unwrap();
        assert_eq!(s.get("s1", 60_999).as_deref(), Some(Path::new(ROOT)));
        assert_eq!(s.get("s1", 61_000), None, "root kept past expiry + 60 s");
    }

    #[test]
    fn a_full_store_makes_room_by_forgetting_evictable_roots() {
        let s = SessionFsRoots::new(1);
        s.insert("old", Path::new(ROOT), 1_000, 0).unwrap();
        assert_eq!(s.insert("new", Path::new(ROOT), 200_000, 61_000), Ok(()));
        assert_eq!(s.len(), 1, "the evictable root was not dropped");
    }

    #[test]
    fn a_full_store_of_live_roots_refuses_a_new_session() {
        let s = SessionFsRoots::new(1);
        s.insert("live", Path::new(ROOT), 100_000, 0).unwrap();
        assert_eq!(s.insert("new", Path::new(ROOT), 100_000, 1), Err(Full));
        assert!(s.get("live", 1).is_some(), "the live session lost its root");
    }
}
