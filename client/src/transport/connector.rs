//! A hyper-util connector that reaches the gate over TCP or a Unix domain socket, so one
//! pooled HTTP/1.1 client type serves both transports.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

/// Where connections go: the URI's host and port (TCP), or one socket path whatever the URI.
#[derive(Clone, Debug)]
pub(crate) enum GateConnector {
    Tcp(HttpConnector),
    Unix(Arc<PathBuf>),
}

impl GateConnector {
    pub(crate) fn tcp() -> Self {
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        http.enforce_http(true);
        Self::Tcp(http)
    }

    pub(crate) fn unix(path: PathBuf) -> Self {
        Self::Unix(Arc::new(path))
    }
}

/// A connected stream of either transport.
#[derive(Debug)]
pub(crate) enum GateStream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Connection for GateStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl AsyncRead for GateStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Self::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for GateStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Self::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_flush(cx),
            Self::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Self::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

type ConnectFuture = Pin<Box<dyn Future<Output = Result<TokioIo<GateStream>, BoxError>> + Send>>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower::Service<Uri> for GateConnector {
    type Response = TokioIo<GateStream>;
    type Error = BoxError;
    type Future = ConnectFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match self {
            Self::Tcp(http) => http.poll_ready(cx).map_err(Into::into),
            Self::Unix(_) => Poll::Ready(Ok(())),
        }
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        match self {
            Self::Tcp(http) => {
                let connecting = http.call(uri);
                Box::pin(async move {
                    let io = connecting.await?;
                    Ok(TokioIo::new(GateStream::Tcp(io.into_inner())))
                })
            }
            Self::Unix(path) => {
                let path = Arc::clone(path);
                Box::pin(async move {
                    let stream = UnixStream::connect(path.as_path()).await?;
                    Ok(TokioIo::new(GateStream::Unix(stream)))
                })
            }
        }
    }
}
