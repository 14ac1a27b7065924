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
        // https URIs reach this connector too; TLS is layered on the TCP stream below.
        http.enforce_http(false);
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
    #[cfg(feature = "tls")]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

/// Call `$method` on whichever stream is inside.
macro_rules! each_stream {
    ($self:ident, $s:ident => $e:expr) => {
        match $self.get_mut() {
            GateStream::Tcp($s) => $e,
            GateStream::Unix($s) => $e,
            #[cfg(feature = "tls")]
            GateStream::Tls($s) => $e,
        }
    };
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
        each_stream!(self, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for GateStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        each_stream!(self, s => Pin::new(s).poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each_stream!(self, s => Pin::new(s).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each_stream!(self, s => Pin::new(s).poll_shutdown(cx))
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
                let https = uri
                    .scheme_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case("https"));
                let host = uri
                    .host()
                    .unwrap_or_default()
                    .trim_matches(['[', ']'])
                    .to_owned();
                let connecting = http.call(uri);
                Box::pin(async move {
                    let tcp = connecting.await?.into_inner();
                    if https {
                        return tls::wrap(tcp, &host).await;
                    }
                    Ok(TokioIo::new(GateStream::Tcp(tcp)))
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

#[cfg(feature = "tls")]
mod tls {
    use std::sync::{Arc, OnceLock};

    use hyper_util::rt::TokioIo;
    use tokio::net::TcpStream;
    use tokio_rustls::rustls::pki_types::ServerName;
    use tokio_rustls::rustls::{crypto::ring, ClientConfig, RootCertStore};
    use tokio_rustls::TlsConnector;

    use super::{BoxError, GateStream};

    /// One TLS configuration per process: rustls with ring and the system's root certificates,
    /// loaded on the first https connection.
    fn connector() -> Result<TlsConnector, BoxError> {
        static CONNECTOR: OnceLock<Result<TlsConnector, String>> = OnceLock::new();
        let made = CONNECTOR.get_or_init(|| {
            let mut roots = RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err("no system root certificates were found for https".to_owned());
            }
            let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Ok(TlsConnector::from(Arc::new(config)))
        });
        made.clone().map_err(Into::into)
    }

    pub(super) async fn wrap(tcp: TcpStream, host: &str) -> Result<TokioIo<GateStream>, BoxError> {
        let name = ServerName::try_from(host.to_owned())?;
        let stream = connector()?.connect(name, tcp).await?;
        Ok(TokioIo::new(GateStream::Tls(Box::new(stream))))
    }
}

#[cfg(not(feature = "tls"))]
mod tls {
    use hyper_util::rt::TokioIo;
    use tokio::net::TcpStream;

    use super::{BoxError, GateStream};

    pub(super) async fn wrap(_: TcpStream, _: &str) -> Result<TokioIo<GateStream>, BoxError> {
        Err("https needs the `tls` feature of the latchgate crate".into())
    }
}
