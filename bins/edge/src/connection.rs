//! One HTTP/1.1 connection of the edge, with the timeouts `axum::serve` lacks: a request head
//! must arrive within `header_timeout` of its first byte (slow-loris), a kept-alive
//! connection may wait `idle_timeout` for its next request, and a request body may pause at
//! most `body_timeout` between two pieces. Handlers see the peer as `ConnectInfo`.

use std::{
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::{Router, body::Body, extract::ConnectInfo, http::Request};
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use settings::EdgeSettings;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
};
use tower_http::timeout::TimeoutBody;
use tower_service::Service;

/// The timeouts of `edge.*_ms`.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub header: Duration,
    pub idle: Duration,
    pub body: Duration,
    pub grace: Duration,
}

impl From<&EdgeSettings> for Rules {
    fn from(settings: &EdgeSettings) -> Self {
        Self {
            header: Duration::from_millis(settings.header_timeout_ms),
            idle: Duration::from_millis(settings.idle_timeout_ms),
            body: Duration::from_millis(settings.body_timeout_ms),
            grace: Duration::from_millis(settings.shutdown_grace_ms),
        }
    }
}

/// Serves one connection until the client closes it, a timeout expires, or — after
/// `shutdown` — its open request is answered (the accept loop bounds that wait).
pub async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    rules: Rules,
    shutdown: mesh::Shutdown,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: Arc::clone(&activity),
    });
    let requests = Arc::clone(&activity);
    let service = service_fn(move |mut request: Request<Incoming>| {
        let in_flight = requests.request_started();
        request.extensions_mut().insert(ConnectInfo(peer));
        let request = request.map(|body| Body::new(TimeoutBody::new(rules.body, body)));
        let mut router = router.clone();
        async move {
            let response = router.call(request).await;
            drop(in_flight);
            response
        }
    });
    // Heads are timed by `Activity` from their first byte; hyper's own timer would start
    // as soon as a connection waits, cutting kept-alive connections at the header timeout.
    let connection = http1::Builder::new()
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(%peer, error = %err, "connection ended with an error");
                }
                return;
            }
            () = shutdown.wait(), if !draining => {
                draining = true;
                connection.as_mut().graceful_shutdown();
            }
            reason = activity.expired(rules) => {
                tracing::debug!(%peer, reason, "closing connection");
                return;
            }
        }
    }
}

/// What the connection is doing, in milliseconds since it was accepted.
struct Activity {
    born: Instant,
    last_io: AtomicU64,
    /// 1 + when the first byte of a request head arrived; 0 while no head is arriving.
    head_started: AtomicU64,
    /// Requests a handler is working on; no timeout of this file applies meanwhile (the
    /// body timeout and the handlers' own deadlines do).
    in_flight: AtomicUsize,
}

impl Activity {
    fn new() -> Self {
        Self {
            born: Instant::now(),
            last_io: AtomicU64::new(0),
            head_started: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn now(&self) -> u64 {
        self.born.elapsed().as_millis() as u64
    }

    fn on_read(&self) {
        let now = self.now();
        self.last_io.store(now, Ordering::Relaxed);
        // Bytes outside a request are the start of the next request's head.
        if self.in_flight.load(Ordering::Acquire) == 0 {
            let _ =
                self.head_started
                    .compare_exchange(0, now + 1, Ordering::AcqRel, Ordering::Relaxed);
        }
    }

    fn on_write(&self) {
        self.last_io.store(self.now(), Ordering::Relaxed);
    }

    fn request_started(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_started.store(0, Ordering::Release);
        InFlight(Arc::clone(self))
    }

    /// Resolves with the reason once the connection has been idle or sending a head for
    /// too long.
    async fn expired(&self, rules: Rules) -> &'static str {
        let tick = (rules.header.min(rules.idle) / 4)
            .clamp(Duration::from_millis(10), Duration::from_secs(1));
        loop {
            tokio::time::sleep(tick).await;
            if self.in_flight.load(Ordering::Acquire) > 0 {
                continue;
            }
            let now = self.now();
            match self.head_started.load(Ordering::Acquire) {
                0 => {
                    let idle = now.saturating_sub(self.last_io.load(Ordering::Relaxed));
                    if idle >= rules.idle.as_millis() as u64 {
                        return "idle";
                    }
                }
                started => {
                    if now.saturating_sub(started - 1) >= rules.header.as_millis() as u64 {
                        return "request head too slow";
                    }
                }
            }
        }
    }
}

/// Marks a request as being handled until dropped.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.on_write();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The TCP stream, reporting each read and write to [`Activity`].
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.on_read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(written)) if written > 0) {
            self.activity.on_write();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(written)) if written > 0) {
            self.activity.on_write();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
