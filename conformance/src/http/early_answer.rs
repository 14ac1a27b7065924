//! A gate may answer before it has read a request's whole body (413 over the body limit) and
//! close the connection with the rest unread. The kernel then resets the connection, and our
//! next body write fails with a broken pipe or a reset, while the answer already sits in our
//! receive buffer. hyper gives up on a failed body write without reading it, so whether the
//! answer or a transport error came back depended on timing. This wrapper drops every write
//! once the peer has stopped reading, so hyper goes on to read the answer that was sent.

use hyper::rt::{Read, ReadBufCursor, Write};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A connection whose writes are dropped once the peer has stopped reading.
pub(super) struct ReadsAfterPeerStopsReading<T> {
    io: T,
    peer_stopped_reading: bool,
}

impl<T> ReadsAfterPeerStopsReading<T> {
    pub(super) fn new(io: T) -> Self {
        ReadsAfterPeerStopsReading {
            io,
            peer_stopped_reading: false,
        }
    }

    /// Turns the error that says the peer no longer reads into "written"; other errors stay.
    fn absorb(&mut self, written: Poll<io::Result<usize>>, len: usize) -> Poll<io::Result<usize>> {
        match written {
            Poll::Ready(Err(e)) if peer_stopped_reading(&e) => {
                self.peer_stopped_reading = true;
                Poll::Ready(Ok(len))
            }
            other => other,
        }
    }
}

fn peer_stopped_reading(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
    )
}

impl<T: Read + Unpin> Read for ReadsAfterPeerStopsReading<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: Write + Unpin> Write for ReadsAfterPeerStopsReading<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.peer_stopped_reading {
            return Poll::Ready(Ok(buf.len()));
        }
        let written = Pin::new(&mut self.io).poll_write(cx, buf);
        self.absorb(written, buf.len())
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        if self.peer_stopped_reading {
            return Poll::Ready(Ok(len));
        }
        let written = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.absorb(written, len)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.peer_stopped_reading {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.peer_stopped_reading {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::super::exchange;
    use bytes::Bytes;
    use http_body_util::Full;
    use hyper::rt::{Read, ReadBufCursor, Write};
    use std::io;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    const ANSWER: &[u8] =
        b"HTTP/1.1 413 Payload Too Large\r\ncontent-type: text/plain\r\ncontent-length: 3\r\n\r\nbig";

    /// A peer that takes `takes` bytes, then resets; its answer is seen only after the reset,
    /// which is the order that used to lose the answer.
    struct AnswersThenResets {
        takes: usize,
        taken: usize,
        reset: bool,
        sent: usize,
        reader: Option<Waker>,
    }

    impl Write for AnswersThenResets {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            if self.reset || self.taken + buf.len() > self.takes {
                self.reset = true;
                if let Some(w) = self.reader.take() {
                    w.wake();
                }
                return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
            }
            self.taken += buf.len();
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    impl Read for AnswersThenResets {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            mut buf: ReadBufCursor<'_>,
        ) -> Poll<io::Result<()>> {
            if !self.reset {
                self.reader = Some(cx.waker().clone());
                return Poll::Pending;
            }
            let rest = &ANSWER[self.sent..];
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            self.sent += n;
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn an_answer_sent_before_the_body_was_read_is_returned() {
        let peer = AnswersThenResets {
            takes: 64 * 1024,
            taken: 0,
            reset: false,
            sent: 0,
            reader: None,
        };
        let request = http::Request::post("/v1/leases")
            .header("host", "gate")
            .body(Full::new(Bytes::from(vec![b'a'; 1024 * 1024])))
            .expect("a valid request");
        let resp = exchange(peer, request).await;
        let resp = resp.unwrap_or_else(|e| panic!("expected the 413 answer, got error {e}"));
        assert_eq!(resp.status, 413, "status of the early answer");
        assert_eq!(resp.body, b"big", "body of the early answer");
    }
}
