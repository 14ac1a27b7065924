//! Connection facts the listener attaches to each request: which listener it came in on and the
//! Unix peer's uid, what peer-credential identity and the per-peer execute bucket read.

/// Which router a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerKind {
    /// Agent routes.
    Client,
    /// Agent + operator routes + control API.
    Admin,
}

impl ListenerKind {
    /// `client` / `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Admin => "admin",
        }
    }
}

/// Connection facts attached to each request.
#[derive(Debug, Clone)]
pub struct Peer {
    /// Listener.
    pub listener: ListenerKind,
    /// Unix-socket peer uid (SO_PEERCRED); `None` on TCP.
    pub uid: Option<u32>,
}

impl Peer {
    /// Key of the per-peer execute bucket.
    pub fn limiter_key(&self) -> String {
        match self.uid {
            Some(uid) => format!("uid:{uid}"),
            None => "unknown".into(),
        }
    }
}
