//! Listeners: TCP and Unix sockets serving the client or admin router over HTTP/1.1, with the
//! peer's identity attached to every request, dropped connections on request, and graceful
//! shutdown.

use std::path::{Path, PathBuf};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

pub use crate::auth::peer::{ListenerKind, Peer};

/// Response marker: close the connection instead of answering.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// A bound listener.
pub enum Bound {
    /// TCP.
    Tcp(TcpListener),
    /// Unix socket (path removed on shutdown).
    Unix(UnixListener, PathBuf),
}

/// Binds a Unix socket: parent created 0700 if missing, stale file replaced, socket 0600.
pub fn bind_unix(path: &Path) -> std::io::Result<UnixListener> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() && !parent.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)?;
        }
    }
    if path.exists() {
        std::fs::remove_file(path)?;
    }
    let l = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(l)
}

/// Serves `router` on `bound` until `shutdown` flips to true.
pub async fn serve(
    bound: Bound,
    kind: ListenerKind,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    match bound {
        Bound::Tcp(l) => loop {
            tokio::select! {
                r = l.accept() => if let Ok((s, _)) = r {
                    let _ = s.set_nodelay(true);
                    conns.spawn(connection(s, Peer { listener: kind, uid: None }, router.clone(), shutdown.clone()));
                },
                _ = shutdown.changed() => break,
            }
        },
        Bound::Unix(l, path) => {
            loop {
                tokio::select! {
                    r = l.accept() => if let Ok((s, _)) = r {
                        let uid = s.peer_cred().ok().map(|c| c.uid());
                        conns.spawn(connection(s, Peer { listener: kind, uid }, router.clone(), shutdown.clone()));
                    },
                    _ = shutdown.changed() => break,
                }
            }
            let _ = std::fs::remove_file(&path);
        }
    }
    while conns.join_next().await.is_some() {}
}

async fn connection<S>(stream: S, peer: Peer, router: Router, mut shutdown: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let mut req = req.map(axum::body::Body::new);
        req.extensions_mut().insert(peer.clone());
        let router = router.clone();
        async move {
            let resp = match router.oneshot(req).await {
                Ok(r) => r,
                Err(e) => match e {},
            };
            if resp.extensions().get::<DropConnection>().is_some() {
                return Err(Dropped);
            }
            Ok::<_, Dropped>(resp)
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
